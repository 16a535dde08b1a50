/** Key paths (`apps[3].database.mode`): how every message names the place of a problem. */

/** The key path of `key` inside `path`; a key that is not a plain name (a `namespace:key` is one) is quoted. */
export function join(path: string, key: string): string {
    const safeKey = /^[A-Za-z_][A-Za-z0-9_:-]*$/.test(key) ? key : JSON.stringify(key);
    return path ? `${path}.${safeKey}` : safeKey;
}

/** The key path of item `index` of the list at `path`. */
export function at(path: string, index: number): string {
    return `${path}[${index}]`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
