/**
 * Decodes a feed's bytes. RFC 5545 says UTF-8, but peers also read what Windows tools write:
 * a UTF-8 byte-order mark, and UTF-16 (little or big endian, with a BOM or, seen from old
 * exporters, without one: every other byte of "BEGIN:VCALENDAR" is then zero). The BOM is
 * dropped.
 */
export function decodeFeed(bytes: Uint8Array): string {
  const first = bytes[0];
  const second = bytes[1];
  if (first === 0xff && second === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (first === 0xfe && second === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  if (bytes.length >= 4 && first !== 0 && second === 0 && bytes[3] === 0) {
    return new TextDecoder('utf-16le').decode(bytes);
  }
  if (bytes.length >= 4 && first === 0 && second !== 0 && bytes[2] === 0) {
    return new TextDecoder('utf-16be').decode(bytes);
  }
  return new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes);
}

/** True when the bytes are UTF-16 (decoded whole by `decodeFeed`, not in UTF-8 slices). */
export function isUtf16(bytes: Uint8Array): boolean {
  const first = bytes[0];
  const second = bytes[1];
  return (
    (first === 0xff && second === 0xfe) ||
    (first === 0xfe && second === 0xff) ||
    (bytes.length >= 4 && ((first !== 0 && second === 0) || (first === 0 && second !== 0)))
  );
}
