/**
 * PNG files written byte by byte (signature, IHDR, one IDAT, IEND), for tests that need what
 * sharp does not write: grey+alpha (colour type 4), 16-bit samples, or an IHDR that declares a
 * size the data does not hold.
 *
 * @module
 */
import { crc32, deflateSync } from "node:zlib";

/** Channels of each PNG colour type: grey, RGB, palette, grey+alpha, RGBA. */
export const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** One chunk: length, type, data, CRC-32 of type and data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)) >>> 0);
  return out;
}

/** What {@linkcode pngBytes} writes. */
export interface PngSpec {
  width: number;
  height: number;
  /** 0 grey, 2 RGB, 4 grey+alpha, 6 RGBA. */
  colourType: 0 | 2 | 4 | 6;
  bitDepth: 8 | 16;
  /** Samples in row-major order, channels interleaved (0..255 or 0..65535); default: none, for a header-only file. */
  samples?: ArrayLike<number>;
}

/** The bytes of a PNG of `spec` (filter 0 on every row); without samples, no IDAT. */
export function pngBytes(spec: PngSpec): Uint8Array {
  const { width, height, colourType, bitDepth } = spec;
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([bitDepth, colourType, 0, 0, 0], 8);
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
  ];
  if (spec.samples) {
    const channels = PNG_CHANNELS[colourType];
    const bytesPerSample = bitDepth / 8;
    const rowBytes = 1 + width * channels * bytesPerSample;
    const raw = new Uint8Array(height * rowBytes);
    const rawView = new DataView(raw.buffer);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width * channels; x++) {
        const value = spec.samples[y * width * channels + x];
        const at = y * rowBytes + 1 + x * bytesPerSample;
        if (bitDepth === 16) rawView.setUint16(at, value);
        else raw[at] = value;
      }
    }
    parts.push(chunk("IDAT", new Uint8Array(deflateSync(raw))));
  }
  parts.push(chunk("IEND", new Uint8Array(0)));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) out.set(part, at), at += part.length;
  return out;
}
