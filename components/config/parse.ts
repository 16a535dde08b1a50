/**
 * The stack configuration through its zod schema: every problem as `<key path>: <message>`, and
 * what parsed of it. zod reports problems but keeps nothing of a value that has one; the rules that
 * span fields must still run over the rest, so the value is walked along the schema once more and
 * what failed is left out. The same walk applies the secrecy rules, which depend on how the stack
 * file stored each value, something a schema cannot know.
 */
import { z } from "zod";
import { Secret } from "../core/secret";
import { at, isPlainObject, join } from "../core/keyPath";
import { carriesCredentials, mustBeEncrypted, unknownKey } from "./messages";
import { KEYED, SECRETS } from "./schemaParts";

/** One problem found in the configuration, addressed by its key path (`apps[3].database.mode`). */
export interface Issue {
    path: string;
    message: string;
}

/**
 * Whether the value at a key path is stored encrypted (`secure:` in the stack file). `unknown`
 * where only its top-level key is known to hold some encrypted value.
 */
export type Secrecy = "encrypted" | "plain" | "unknown";

/**
 * What parsed of a value: a field, map entry or list item that failed is left out (an entry or
 * item as `undefined`, so that names and positions stay), so that the rules spanning fields can
 * still run over the rest. Complete exactly when parsing recorded no problem. The shapes of a union
 * merge into one: which one was meant may be the very field that failed.
 */
export type Loose<T> = [T] extends [Secret | string | number | boolean | undefined]
    ? T
    : [T] extends [readonly (infer U)[] | undefined]
      ? Array<Loose<U> | undefined>
      : { [K in KeysOf<T>]?: Loose<ValueAt<T, K>> };
type KeysOf<T> = T extends unknown ? keyof T : never;
type ValueAt<T, K extends PropertyKey> = T extends unknown ? (K extends keyof T ? T[K] : never) : never;

type Schema = z.core.$ZodType;
type Segment = PropertyKey;

/** A top-level key is its own path, as the stack file spells it; below it, keys are joined (quoted when odd). */
function keyPath(segments: readonly Segment[]): string {
    return segments.reduce<string>(
        (path, segment, n) =>
            n === 0 ? String(segment) : typeof segment === "number" ? at(path, segment) : join(path, String(segment)),
        "",
    );
}

/** The option of a union that a value means, if any (the walk below and the issue adapter agree on it). */
function chosenOption(schema: z.ZodUnion | z.ZodDiscriminatedUnion, value: unknown): Schema | undefined {
    if (!isPlainObject(value)) return undefined;
    if (schema instanceof z.ZodDiscriminatedUnion) {
        const tag = schema.def.discriminator;
        return schema.options.find((o) => (o as z.ZodObject).shape[tag].def.values.includes(value[tag]));
    }
    const keyed = KEYED.get(schema);
    const index = keyed?.keys.findIndex((key) => key in value) ?? -1;
    return index < 0 ? undefined : schema.options[index];
}

/** A schema with the value it sees: through optional and preprocessing wrappers. */
function unwrap(schema: Schema, value: unknown): [Schema, unknown] {
    if (schema instanceof z.ZodOptional) return unwrap(schema.unwrap(), value);
    if (schema instanceof z.ZodPipe && schema.in instanceof z.ZodTransform) {
        return unwrap(schema.out, (schema.in.def.transform as (v: unknown) => unknown)(value));
    }
    return [schema, value];
}

/** The schema and value one key down, where the schema has such a key. */
function child(schema: Schema, value: unknown, key: Segment): [Schema, unknown] | undefined {
    const [inner, seen] = unwrap(schema, value);
    const below = (s: Schema | undefined): [Schema, unknown] | undefined =>
        s && [s, (seen as Record<PropertyKey, unknown> | undefined)?.[key]];
    if (inner instanceof z.ZodObject)
        return below(Object.hasOwn(inner.shape, key) ? inner.shape[key as string] : undefined);
    if (inner instanceof z.ZodArray) return below(inner.element);
    if (inner instanceof z.ZodRecord) return below(inner.valueType);
    if (inner instanceof z.ZodUnion) {
        const option = chosenOption(inner, seen);
        return option && child(option, seen, key);
    }
    return undefined;
}

/** The schema at a key path and the value it sees there; a union as itself, or as the option the value means. */
function schemaAt(root: Schema, value: unknown, segments: readonly Segment[], option = false): Schema | undefined {
    let current: [Schema, unknown] | undefined = [root, value];
    for (const segment of segments) current = current && child(current[0], current[1], segment);
    if (!current) return undefined;
    const [schema, seen] = unwrap(current[0], current[1]);
    const chosen = option && schema instanceof z.ZodUnion ? chosenOption(schema, seen) : undefined;
    return chosen ? unwrap(chosen, seen)[0] : schema;
}

/**
 * zod's issues as this project words them: an unknown key is one problem per key, and a union
 * chosen by key speaks about the chosen shape only.
 */
function adapt(root: Schema, value: unknown, issue: z.core.$ZodIssue, prefix: Segment[] = []): Located[] {
    const segments = [...prefix, ...issue.path];
    const located = (message: string, at = segments) => ({ path: keyPath(at), message, segments: at });
    if (issue.code === "unrecognized_keys") {
        const object = schemaAt(root, value, segments, true);
        const known = object instanceof z.ZodObject ? Object.keys(object.shape) : [];
        return issue.keys.map((key) => located(unknownKey(key, known), [...segments, key]));
    }
    const union = issue.code === "invalid_union" ? schemaAt(root, value, segments) : undefined;
    const keyed = union && KEYED.get(union as z.ZodUnion);
    if (keyed && isPlainObject(issue.input)) {
        const index = keyed.keys.findIndex((key) => key in (issue.input as object));
        if (index < 0) return [located(keyed.none)];
        return (issue as z.core.$ZodIssueInvalidUnion).errors[index].flatMap((inner) =>
            adapt(root, value, inner, segments),
        );
    }
    return [located(issue.message)];
}

interface Located extends Issue {
    segments: Segment[];
}

/** The issues no other one contains: a problem at a key path stands for everything inside it. */
function outermost(issues: Located[]): Issue[] {
    const paths = new Set(issues.map((i) => i.path));
    return issues
        .filter((issue) => !issue.segments.some((_, n) => paths.has(keyPath(issue.segments.slice(0, n)))))
        .map(({ path, message }) => ({ path, message }));
}

/** Whether `path` is `ancestor` or lies inside it. */
function within(path: string, ancestor: string): boolean {
    return path === ancestor || path.startsWith(`${ancestor}.`) || path.startsWith(`${ancestor}[`);
}

export interface Parsed<T> {
    issues: Issue[];
    /** What parsed; complete when `issues` is empty. */
    value: Loose<T>;
}

/**
 * Parses `value` with `schema`. A problem at a key path stands for everything inside it: a list too
 * long is one problem, not one more per item. An encrypted value where a plain one belongs is
 * refused as that and nothing else, so that no message shows what it holds.
 */
export function parse<S extends z.ZodType>(
    schema: S,
    value: unknown,
    secrecy: (path: string) => Secrecy,
): Parsed<z.output<S>> {
    const result = schema.safeParse(value, { reportInput: true });
    const failed = result.success ? [] : outermost(result.error.issues.flatMap((issue) => adapt(schema, value, issue)));
    const walk = new Walk(new Set(failed.map((i) => i.path)), secrecy);
    const loose = walk.value(schema, value, "") as Loose<z.output<S>>;
    const hidden = walk.issues.filter((i) => i.message.startsWith(ENCRYPTED)).map((i) => i.path);
    const kept = failed.filter((issue) => !hidden.some((path) => within(issue.path, path)));
    return { issues: [...kept, ...walk.issues], value: loose };
}

const ENCRYPTED = "must not be stored encrypted";

/** What parsed of a value, walked along its schema; the secrecy rules report as they go. */
class Walk {
    readonly issues: Issue[] = [];
    constructor(
        private readonly failed: ReadonlySet<string>,
        private readonly secrecy: (path: string) => Secrecy,
    ) {}

    value(schema: Schema, raw: unknown, path: string): unknown {
        const [inner, value] = unwrap(schema, raw);
        if (value === undefined || inner instanceof z.ZodNever) return undefined;
        const secret = SECRETS.get(inner);
        if (!secret && this.refusedEncrypted(path)) return undefined;
        if (this.failed.has(path)) return undefined;
        if (secret) return this.secret(secret.encrypted, value as string, path);
        if (inner instanceof z.ZodObject) {
            const out: Record<string, unknown> = {};
            for (const key of Object.keys(inner.shape)) {
                const field = this.value(inner.shape[key], (value as Record<string, unknown>)[key], join(path, key));
                if (field !== undefined) out[key] = field;
            }
            return out;
        }
        if (inner instanceof z.ZodArray)
            return (value as unknown[]).map((item, i) => this.value(inner.element, item, at(path, i)));
        if (inner instanceof z.ZodRecord) return this.record(inner, value as Record<string, unknown>, path);
        if (inner instanceof z.ZodUnion) {
            const option = chosenOption(inner, value);
            // A tag no shape has is reported with its value, unless that value is encrypted.
            if (!option && inner instanceof z.ZodDiscriminatedUnion && isPlainObject(value))
                this.refusedEncrypted(join(path, inner.def.discriminator));
            return option && this.value(option, value, path);
        }
        return value;
    }

    /** Before its shape: what an encrypted value holds must not show in any message about it. */
    private refusedEncrypted(path: string): boolean {
        if (this.secrecy(path) !== "encrypted") return false;
        this.issues.push({
            path,
            message: `${ENCRYPTED}: it is shown in plain text (resource inputs, the status output); set it with pulumi config set --path '${path}' <value>, without --secret`,
        });
        return true;
    }

    /** No prototype: a key such as "constructor" must not find Object.prototype's. Every key stays, an invalid one as undefined. */
    private record(schema: z.ZodRecord, value: Record<string, unknown>, path: string): Record<string, unknown> {
        const out: Record<string, unknown> = Object.create(null);
        for (const key of Object.keys(value)) {
            // zod skips a `__proto__` key without a word; its name is checked all the same.
            const name = key === "__proto__" ? (schema.keyType as z.ZodString).safeParse(key) : undefined;
            if (name && !name.success)
                this.issues.push({ path: join(path, key), message: name.error.issues[0].message });
            out[key] = name && !name.success ? undefined : this.value(schema.valueType, value[key], join(path, key));
        }
        return out;
    }

    private secret(encrypted: "always" | "withCredentials", value: string, path: string): Secret | undefined {
        const plain = this.secrecy(path) === "plain";
        if (encrypted === "always" && plain) {
            this.issues.push({ path, message: mustBeEncrypted(path) });
            return undefined;
        }
        if (encrypted === "withCredentials" && plain && carriesCredentials(value)) {
            this.issues.push({ path, message: mustBeEncrypted(path, " (it carries credentials)") });
            return undefined;
        }
        return new Secret(value);
    }
}
