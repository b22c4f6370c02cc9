// Avatars: only PNG or JPEG, small, decoded to pixels and encoded again as a fresh PNG, so nothing hidden
// in the upload (metadata, trailing bytes, polyglot payloads) survives. Pure JavaScript decoders, bounded.
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DomainError } from './domain-error';

export const AVATAR_MAX_BYTES = 512 * 1024;
export const AVATAR_MAX_SIDE = 1024;

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff]);

function refuse(reason: string): DomainError {
  return new DomainError('INVALID_INPUT', { image: reason });
}

/** Returns a re-encoded PNG of the image, or refuses it with a reason a person can act on. */
export function reencodeAvatar(dataUrl: string): Buffer {
  const match = /^data:image\/(png|jpeg);base64,([A-Za-z0-9+/=]+)$/.exec(dataUrl);
  if (!match) throw refuse('Choose a PNG or JPEG image.');
  const bytes = Buffer.from(match[2]!, 'base64');
  if (bytes.length > AVATAR_MAX_BYTES) throw refuse(`The image is too large: at most ${AVATAR_MAX_BYTES / 1024} KB.`);
  let width: number;
  let height: number;
  let pixels: Buffer;
  try {
    if (bytes.subarray(0, 8).equals(PNG_MAGIC)) {
      // Bytes after the final IEND chunk are no part of the image (a classic hiding place): dropped unread.
      const iend = bytes.lastIndexOf('IEND');
      const png = PNG.sync.read(iend > 0 ? bytes.subarray(0, iend + 8) : bytes);
      ({ width, height } = png);
      pixels = png.data;
    } else if (bytes.subarray(0, 3).equals(JPEG_MAGIC)) {
      const image = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: 4,
        maxMemoryUsageInMB: 64,
      });
      ({ width, height } = image);
      pixels = Buffer.from(image.data);
    } else {
      throw refuse('Choose a PNG or JPEG image.');
    }
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw refuse('This file is not a readable image.');
  }
  if (width < 1 || height < 1 || width > AVATAR_MAX_SIDE || height > AVATAR_MAX_SIDE) {
    throw refuse(`The image must be at most ${AVATAR_MAX_SIDE} × ${AVATAR_MAX_SIDE} pixels.`);
  }
  const out = new PNG({ width, height });
  pixels.copy(out.data, 0, 0, width * height * 4);
  return PNG.sync.write(out);
}
