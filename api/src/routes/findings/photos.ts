import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { AppError } from '../../errors.ts';

/** What an inspector's phone may upload: a camera photo, before the server shrinks it. */
export const MAX_PHOTO_UPLOAD_BYTES = 8 * 1024 * 1024;
/** Photos per finding: evidence, not an album. */
export const MAX_PHOTOS_PER_FINDING = 6;
/** Longest side kept: a label and a price tag stay legible. */
const MAX_SIDE = 1600;
/** Decompression bombs: refuse images above this many pixels before decoding them. */
const MAX_INPUT_PIXELS = 50_000_000;
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

export interface StoredPhoto {
  data: Buffer;
  width: number;
  height: number;
  sha256: string;
}

/**
 * Re-encode an uploaded photo: the format is read from the bytes (not the Content-Type), the image
 * is turned upright from its EXIF orientation, shrunk to 1600 px at most, and written as WebP
 * without any metadata — EXIF, GPS position, camera serial and XMP never reach storage (sharp drops
 * metadata unless asked to keep it). Anything that does not decode is a 415.
 * @see https://sharp.pixelplumbing.com/api-output#withmetadata
 */
export async function reencodePhoto(input: Buffer): Promise<StoredPhoto> {
  let format: string | undefined;
  try {
    const meta = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
    format = meta.format;
  } catch {
    throw new AppError(
      'unsupported_media_type',
      'The photo is not a JPEG, PNG or WebP image, or it is damaged.',
    );
  }
  if (format !== 'jpeg' && format !== 'png' && format !== 'webp') {
    throw new AppError(
      'unsupported_media_type',
      `Photos must be JPEG, PNG or WebP, not ${format ?? 'unknown'}.`,
    );
  }
  try {
    const { data, info } = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .autoOrient()
      .resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 72, effort: 4 })
      .toBuffer({ resolveWithObject: true });
    return {
      data,
      width: info.width,
      height: info.height,
      sha256: createHash('sha256').update(data).digest('hex'),
    };
  } catch {
    throw new AppError(
      'unsupported_media_type',
      'The photo could not be decoded: it may be damaged or too large.',
    );
  }
}
