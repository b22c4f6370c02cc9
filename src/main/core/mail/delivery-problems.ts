// What went wrong with a mail server, in words an administrator can act on, and whether the message itself was
// refused for good (an address the server says does not exist) or should be tried again (the server, the network
// or our settings are at fault: the message waits, nothing is lost).
export interface DeliveryProblem {
  /** A plain reason, followed by the server's own words when it said any. Never a password or a mail body. */
  reason: string;
  /** The server refused this message's recipient permanently (550 to RCPT TO): do not retry it. */
  permanent: boolean;
}

interface MailError {
  message?: string;
  code?: string;
  command?: string;
  response?: string;
  responseCode?: number;
}

const CERTIFICATE = /certificate|self[- ]signed|unable to (get|verify)|CERT_|altnames|Hostname\/IP does not match/i;

/** At most this much of a server's answer is kept. */
const MAX_REPLY = 300;

function clean(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, MAX_REPLY);
}

/** 550/551/553 to RCPT TO, unless the enhanced status says it is a policy matter (5.7.x: relaying, sender). */
function isPermanentRecipientRefusal(err: MailError): boolean {
  const code = err.responseCode ?? 0;
  return [550, 551, 553].includes(code) && !/\b5\.7\.\d+/.test(err.response ?? '');
}

export function describeMailError(error: unknown, server: string, timeoutSeconds: number): DeliveryProblem {
  const err = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as MailError;
  // The server's own answer when it gave one; otherwise what the connection reported.
  const words = err.response
    ? `server said: ${clean(err.response)}`
    : err.message
      ? `details: ${clean(err.message)}`
      : '';
  const with_ = (reason: string, permanent = false) => ({
    reason: words ? `${reason} (${words})` : reason,
    permanent,
  });
  const message = err.message ?? '';
  if (err.code === 'ETLS' && (err.command === 'STARTTLS' || /STARTTLS/.test(message)))
    return with_(
      `${server} does not offer STARTTLS, which the connection security setting requires: nothing was sent in plain text.`,
    );
  if (CERTIFICATE.test(message))
    return with_(
      `The server's certificate could not be verified (${server}), so nothing was sent. Fix the server's certificate, or paste your organisation's certificate under "Trusted certificate".`,
    );
  if (err.code === 'EAUTH') return with_(`${server} refused the user name or password. Check them on the Mail tab.`);
  if (err.code === 'ETIMEDOUT' || /timeout|Greeting never received/i.test(message))
    return with_(`${server} accepted the connection but did not answer within ${timeoutSeconds} seconds.`);
  if (/ECONNREFUSED/.test(message) || err.code === 'ECONNREFUSED')
    return with_(`Nothing answers at ${server}: check the host name and port, and that the server is running.`);
  if (/ENOTFOUND|EAI_AGAIN/.test(message)) return with_(`The host name of ${server} could not be found.`);
  if (/wrong version number|packet length too long|ssl3_get_record|EPROTO/i.test(message))
    return with_(
      `${server} did not speak TLS as set: check the connection security (TLS from the start is usually port 465, STARTTLS port 587).`,
    );
  // Only a recipient the server says does not exist is given up. A refused sender, relay or policy (5.7.x) is a
  // settings problem: the message waits for it to be fixed.
  if (err.code === 'EENVELOPE' && err.command === 'RCPT TO' && isPermanentRecipientRefusal(err))
    return with_('The mail server refused this recipient for good; the message will not be tried again.', true);
  if (err.code === 'EENVELOPE' && (err.responseCode ?? 0) >= 500)
    return with_(
      `${server} refused to take mail from this sender (check the user name and the sender address on the Mail tab).`,
    );
  if ((err.responseCode ?? 0) >= 400) return with_('The mail server refused the message for now.');
  if (/closed unexpectedly/i.test(message)) return with_(`${server} closed the connection before the mail was sent.`);
  if (err.code === 'ECONNECTION' || err.code === 'ESOCKET') return with_(`The connection to ${server} was lost.`);
  return with_('The mail could not be sent.');
}
