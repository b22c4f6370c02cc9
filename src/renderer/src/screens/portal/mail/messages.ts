// The next ErrorAlert or Notice of a card: each gets a new id, so a repeated message is announced again.
import type { ShownError } from '../../../components/ErrorAlert';
import type { NoticeMessage } from '../../../components/Notice';

export function nextShown(error: ShownError['error'], other: string[] = [], focus = false) {
  return (previous: ShownError | null): ShownError => ({ error, other, id: (previous?.id ?? 0) + 1, focus });
}

export function nextNotice(text: string, tone: NoticeMessage['tone'] = 'success') {
  return (previous: NoticeMessage | null): NoticeMessage => ({ text, tone, id: (previous?.id ?? 0) + 1 });
}
