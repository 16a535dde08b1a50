/** How a problem reads: values described without their secrets, likely typos named. */

/** A value as people read it in an error message: strings quoted, long ones cut, a URL's credentials never shown. */
export function describe(value: unknown): string {
    if (value === undefined) return "nothing";
    if (value === null) return "null";
    if (Array.isArray(value)) return `a list of ${value.length}`;
    if (typeof value === "object") return "an object";
    const text = typeof value === "string" ? JSON.stringify(withoutCredentials(value)) : String(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * `scheme://user:password@host` becomes `scheme://***@host`. A value that is a URL is judged as
 * the URL parser reads it (which drops tabs and newlines, and needs no slashes after `https:`);
 * anywhere else in a text, whatever sits between `//` and `@`.
 */
export function withoutCredentials(text: string): string {
    if (carriesCredentials(text)) {
        const url = new URL(text);
        url.username = "***";
        url.password = "";
        return url.href;
    }
    return text.replace(/([/\\]{2})[^/\\?#@]*@/g, "$1***@");
}

/** What kind of value it is, and nothing of its content: for values that may be secrets. */
export function kindOf(value: unknown): string {
    if (typeof value === "string") return value === "" ? "an empty string" : "a string";
    if (typeof value === "number") return "a number";
    if (typeof value === "boolean") return "true or false";
    return describe(value);
}

/** The candidate a misspelling most likely meant: at most two edits away, and at most half its length. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
    let best: string | undefined;
    let bestDistance = 3;
    for (const candidate of candidates) {
        const distance = editDistance(word, candidate, bestDistance);
        if (distance < bestDistance && distance <= candidate.length / 2) [best, bestDistance] = [candidate, distance];
    }
    return best;
}

/** Levenshtein distance, or `limit` once it is certain to reach it (keys can be long junk). */
function editDistance(a: string, b: string, limit: number): number {
    if (Math.abs(a.length - b.length) >= limit) return limit;
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const next = [i];
        for (let j = 1; j <= b.length; j++)
            next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        row = next;
    }
    return row[b.length];
}

/** `unknown key (expected one of ...)`, with the likely meant one when the key looks like a typo. */
export function unknownKey(key: string, known: readonly string[]): string {
    const meant = didYouMean(key, known);
    return `unknown key (expected one of ${known.join(", ")})${meant ? `; did you mean ${meant}?` : ""}`;
}

export function mustBeEncrypted(path: string, why = ""): string {
    return `must be stored encrypted${why}: pulumi config set --secret --path '${path}' <value>`;
}

/** True for a URL with `user@`, `:password@` or both in it. */
export function carriesCredentials(value: string): boolean {
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    return url.username !== "" || url.password !== "";
}
