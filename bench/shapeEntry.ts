/** What bench/child.ts records of a real render, for bench/shape.ts to build again. */
import { readFileSync } from "node:fs";

/** One recorded registration. */
export interface ShapeEntry {
    type: string;
    name: string;
    custom: boolean;
    /** Index of the parent in the list, -1 for none. */
    parent: number;
    /** Index of the provider resource in the list, -1 for the default provider. */
    provider: number;
    /**
     * Indexes of the resources it depends on, as the engine is told: `dependsOn` and the resources
     * behind its Output inputs. The list is in construction order, so they come before it.
     */
    dependencies: number[];
    /**
     * Property names the resource was constructed with: the SDK makes an Output of each, so the cost
     * of a type grows with its property count. Inputs get a constant; output-only properties stay
     * undefined, as resource classes pass them.
     */
    inputs: string[];
    outputs: string[];
}

/**
 * The input values the program sent, one object per `ShapeEntry`, a secret as `{ [SECRET]: value }`.
 * A file of their own: reading them must not weigh on the constant-input shape.
 */
export type ShapeValues = Record<string, unknown>[];

/** Marks a secret value in the recorded inputs. */
export const SECRET = "$secret";

const files = new Map<string, unknown>();

/**
 * A recorded file, parsed once per process: bench/child.ts reads it before the clock starts, as the
 * program's stack file is read before the clock, and bench/shape.ts then finds it here.
 */
export function readRecorded<T>(file: string): T {
    if (!files.has(file)) files.set(file, JSON.parse(readFileSync(file, "utf8")));
    return files.get(file) as T;
}
