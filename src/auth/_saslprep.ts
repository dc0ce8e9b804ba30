// SASLprep (RFC 4013) as SCRAM applies it to the authid (Crossbar and
// autobahn-python use passlib's saslprep): map, normalize, refuse what is
// prohibited. Without Unicode 3.2's tables at hand this skips the check for
// unassigned code points and the bidirectional rule; ASCII authids, the
// only ones Crossbar's SCRAM accepts, are mapped exactly.

// RFC 3454 B.1: commonly mapped to nothing.
const TO_NOTHING =
  /[\u00AD\u034F\u1806\u180B-\u180D\u200B-\u200D\u2060\uFE00-\uFE0F\uFEFF]/gu;
// RFC 3454 C.1.2: non-ASCII space characters, mapped to SPACE.
const TO_SPACE = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/gu;
// RFC 3454 C.1.2, C.2.1, C.2.2, C.3 to C.9: prohibited output.
const PROHIBITED = new RegExp(
  [
    "[\\u00A0\\u1680\\u2000-\\u200B\\u202F\\u205F\\u3000]", // C.1.2
    "[\\u0000-\\u001F\\u007F]", // C.2.1
    "[\\u0080-\\u009F\\u06DD\\u070F\\u180E\\u200C\\u200D\\u2028\\u2029]", // C.2.2
    "[\\u2060-\\u2063\\u206A-\\u206F\\uFEFF\\uFFF9-\\uFFFC]", // C.2.2
    "[\\u{1D173}-\\u{1D17A}]", // C.2.2
    "[\\uE000-\\uF8FF\\u{F0000}-\\u{FFFFD}\\u{100000}-\\u{10FFFD}]", // C.3
    "[\\uFDD0-\\uFDEF\\uFFFE\\uFFFF]", // C.4
    "[\\u{1FFFE}\\u{1FFFF}\\u{2FFFE}\\u{2FFFF}\\u{3FFFE}\\u{3FFFF}]", // C.4
    "[\\u{4FFFE}\\u{4FFFF}\\u{5FFFE}\\u{5FFFF}\\u{6FFFE}\\u{6FFFF}]", // C.4
    "[\\u{7FFFE}\\u{7FFFF}\\u{8FFFE}\\u{8FFFF}\\u{9FFFE}\\u{9FFFF}]", // C.4
    "[\\u{AFFFE}\\u{AFFFF}\\u{BFFFE}\\u{BFFFF}\\u{CFFFE}\\u{CFFFF}]", // C.4
    "[\\u{DFFFE}\\u{DFFFF}\\u{EFFFE}\\u{EFFFF}\\u{FFFFE}\\u{FFFFF}]", // C.4
    "[\\u{10FFFE}\\u{10FFFF}]", // C.4
    "[\\uD800-\\uDFFF]", // C.5, lone surrogates only under the u flag
    "[\\uFFF9-\\uFFFD]", // C.6
    "[\\u2FF0-\\u2FFB]", // C.7
    "[\\u0340\\u0341\\u200E\\u200F\\u202A-\\u202E\\u206A-\\u206F]", // C.8
    "[\\u{E0001}\\u{E0020}-\\u{E007F}]", // C.9
  ].join("|"),
  "u",
);

/** The SASLprep form of `text`, or undefined when it holds a prohibited character. */
export function saslprep(text: string): string | undefined {
  const mapped = text.replace(TO_NOTHING, "").replace(TO_SPACE, " ")
    .normalize("NFKC");
  return PROHIBITED.test(mapped) ? undefined : mapped;
}
