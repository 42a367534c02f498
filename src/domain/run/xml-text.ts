// Text for an XML 1.0 document: escaping for text and attributes, characters XML forbids
// removed, and a UTF-8 tail that fits a size (JUnit readers cap what they show and store).
// Characters XML 1.0 allows (§2.2): TAB, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF.
// With the `u` flag a lone surrogate is one code point outside these ranges, so it goes too.
// DEL and the C1 controls (U+007F–U+009F) are allowed but discouraged by the same section, must be
// written as references in XML 1.1, and are invisible noise in a report: they go as well.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\u007E\u00A0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // A parser turns a literal CR into LF and, in attributes, TAB/LF/CR into spaces: character
  // references keep them as they were.
  '\r': '&#13;',
};
const ATTRIBUTE_ENTITIES: Readonly<Record<string, string>> = { ...ENTITIES, '\n': '&#10;', '\t': '&#9;' };

export function escapeXmlText(text: string): string {
  return text.replace(NOT_XML_CHAR, '').replace(/[&<>"'\r]/g, (ch) => ENTITIES[ch] ?? ch);
}

export function escapeXmlAttribute(text: string): string {
  return text.replace(NOT_XML_CHAR, '').replace(/[&<>"'\r\n\t]/g, (ch) => ATTRIBUTE_ENTITIES[ch] ?? ch);
}

function utf8Length(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint < 0x10000) return 3;
  return 4;
}

function utf8Bytes(text: string): number {
  let bytes = 0;
  for (const ch of text) bytes += utf8Length(ch.codePointAt(0) ?? 0);
  return bytes;
}

// The end of `text` that fits in `maxBytes` of UTF-8, cut between code points (never inside a
// surrogate pair), after a note of how much was left out so a reader knows the start is missing.
export function tailUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let start = text.length;
  while (start > 0) {
    const low = text.charCodeAt(start - 1);
    const high = start >= 2 ? text.charCodeAt(start - 2) : 0;
    const pair = low >= 0xdc00 && low <= 0xdfff && high >= 0xd800 && high <= 0xdbff;
    const size = pair ? 4 : utf8Length(low);
    if (bytes + size > maxBytes) break;
    bytes += size;
    start -= pair ? 2 : 1;
  }
  if (start === 0) return text;
  return `[… ${utf8Bytes(text.slice(0, start))} earlier bytes omitted]\n${text.slice(start)}`;
}
