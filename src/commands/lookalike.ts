/**
 * Characters that make a command look like something it is not: invisible ones (a zero-width
 * space inside `/canary promote` shows nothing but changes the text) and look-alikes of the
 * slash and of Latin letters. A line that only *looks* like a command is not one; the parser
 * says so, naming the character, so the author can retype it. Pure.
 */

/** Format and zero-width characters that render as nothing (Unicode Cf and friends we have met). */
const INVISIBLE = /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\u{E0000}-\u{E007F}]/u;
const INVISIBLE_GLOBAL = new RegExp(INVISIBLE.source, "gu");

/** Characters drawn like `/` (Unicode confusables for U+002F SOLIDUS). */
const SLASH_LOOKALIKES: ReadonlyMap<string, string> = new Map([
  ["\u2215", "DIVISION SLASH"],
  ["\u2044", "FRACTION SLASH"],
  ["\uFF0F", "FULLWIDTH SOLIDUS"],
  ["\u29F8", "BIG SOLIDUS"],
  ["\u2571", "BOX DRAWINGS LIGHT DIAGONAL UPPER RIGHT TO LOWER LEFT"],
  ["\u27CB", "MATHEMATICAL RISING DIAGONAL"],
  ["\u1735", "PHILIPPINE SINGLE PUNCTUATION"],
  ["\u3033", "VERTICAL KANA REPEAT MARK UPPER HALF"],
  ["\u30CE", "KATAKANA LETTER NO"],
  ["\u31D3", "CJK STROKE SP"],
  ["\u4E3F", "CJK UNIFIED IDEOGRAPH-4E3F"],
  ["\u2CC6", "COPTIC CAPITAL LETTER OLD COPTIC ESH"],
  ["\u{1D23A}", "GREEK INSTRUMENTAL NOTATION SYMBOL-47"],
]);

/** Non-Latin letters drawn like the Latin letters of the verbs (Cyrillic and Greek confusables). */
const LETTER_LOOKALIKES: ReadonlyMap<string, string> = new Map([
  ["\u0430", "a"], ["\u0441", "c"], ["\u0435", "e"], ["\u043E", "o"], ["\u0440", "p"], ["\u0443", "y"],
  ["\u0445", "x"], ["\u0456", "i"], ["\u0458", "j"], ["\u0455", "s"], ["\u0501", "d"], ["\u051B", "q"],
  ["\u051D", "w"], ["\u04BB", "h"], ["\u0261", "g"], ["\u03BF", "o"], ["\u03B1", "a"], ["\u03BD", "v"],
  ["\u03F2", "c"], ["\u0391", "a"], ["\u0410", "a"], ["\u0421", "c"], ["\u0415", "e"], ["\u041E", "o"],
  ["\u0420", "p"], ["\u0405", "s"], ["\u0406", "i"], ["\u039F", "o"], ["\u0131", "i"], ["\u1D00", "a"],
]);

/** Unicode space separators other than the ASCII space and tab. */
const ODD_SPACE = /[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/u;

export interface SuspiciousCharacter {
  char: string;
  /** `U+2215 DIVISION SLASH` */
  label: string;
  /** 1-based column (in code points) in the line. */
  column: number;
  kind: "invisible" | "slash" | "letter" | "space" | "other";
}

function codePoint(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

function describe(char: string, kind: SuspiciousCharacter["kind"]): string {
  const name = SLASH_LOOKALIKES.get(char);
  if (name) return `${codePoint(char)} ${name}`;
  if (kind === "letter") return `${codePoint(char)} (looks like "${LETTER_LOOKALIKES.get(char)}")`;
  if (kind === "invisible") return `${codePoint(char)} (invisible)`;
  if (kind === "space") return `${codePoint(char)} (a space that is not an ASCII space)`;
  return codePoint(char);
}

export function isInvisible(char: string): boolean {
  return INVISIBLE.test(char);
}

/** Every character of `text` that is invisible, a look-alike of `/` or of a Latin letter, or an odd space. */
export function findSuspiciousCharacters(text: string): SuspiciousCharacter[] {
  const found: SuspiciousCharacter[] = [];
  let column = 0;
  for (const char of text) {
    column += 1;
    const kind: SuspiciousCharacter["kind"] | null = INVISIBLE.test(char)
      ? "invisible"
      : SLASH_LOOKALIKES.has(char)
        ? "slash"
        : LETTER_LOOKALIKES.has(char)
          ? "letter"
          : ODD_SPACE.test(char)
            ? "space"
            : null;
    if (kind) found.push({ char, label: describe(char, kind), column, kind });
  }
  return found;
}

/**
 * What a reader sees, reduced to ASCII where it can be: invisible characters removed, look-alike
 * slashes and letters replaced, compatibility forms (fullwidth ｃａｎａｒｙ) folded, lower case.
 */
export function foldLookalikes(text: string): string {
  let out = "";
  for (const char of text.replace(INVISIBLE_GLOBAL, "").normalize("NFKC")) {
    if (SLASH_LOOKALIKES.has(char)) out += "/";
    else if (LETTER_LOOKALIKES.has(char)) out += LETTER_LOOKALIKES.get(char)!;
    else if (ODD_SPACE.test(char)) out += " ";
    else out += char;
  }
  return out.toLowerCase();
}
