/**
 * Values as they cross the provider host, shared by the dynamic providers. Node's built-ins only:
 * the providers run from bundles (providerBundle.ts).
 */
import { isDeepStrictEqual } from "node:util";

/**
 * A result as the provider host can send it: it converts results to protobuf Structs, which refuse
 * `undefined` (the engine's own values never hold it; ours may, for an absent domain or secret).
 */
export function wire<T>(value: T): T {
    return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/**
 * Equal once stored: a key whose value is undefined is no key, and key order does not matter.
 * What a diff must use, since the old side of it is what the state kept.
 */
export function sameOnWire(a: unknown, b: unknown): boolean {
    return isDeepStrictEqual(wire(a), wire(b));
}
