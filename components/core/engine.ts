/**
 * What the Pulumi engine can hand a program. The Node.js language host passes the whole stack
 * configuration in one environment variable, `PULUMI_CONFIG` (every key's value as a JSON string,
 * in one JSON object), and Linux refuses a single environment string longer than MAX_ARG_STRLEN:
 * past it the engine cannot start the program at all ("argument list too long").
 */

/** Linux's MAX_ARG_STRLEN: the bytes of one `NAME=value` string, its terminating NUL included. */
export const ENVIRONMENT_STRING_LIMIT = 128 * 1024;

/** The bytes `PULUMI_CONFIG=<config>` takes, for a config map as the CLI passes it (full key → string). */
export function configEnvironmentBytes(values: Record<string, string>): number {
    return Buffer.byteLength(`PULUMI_CONFIG=${JSON.stringify(values)}`) + 1;
}

/** Why `pulumi up` could not start the program with this config, or undefined when it can. */
export function configTooLargeProblem(values: Record<string, string>): string | undefined {
    const bytes = configEnvironmentBytes(values);
    if (bytes <= ENVIRONMENT_STRING_LIMIT) return undefined;
    return `the stack's configuration takes ${bytes} bytes in PULUMI_CONFIG, the one environment variable through which Pulumi hands it to the program; Linux refuses more than ${ENVIRONMENT_STRING_LIMIT}, so pulumi up could not start the program ("argument list too long"): split the tenants over more stacks`;
}

/**
 * The string a dynamic provider receives in place of an input that is not known yet (a preview
 * before the resource it comes from exists): Pulumi's `UnknownStringValue`, sent as is over gRPC.
 */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A string input the engine knows: present, and not the placeholder of a preview. */
export const isKnownString = (v: unknown): v is string => typeof v === "string" && v !== UNKNOWN_VALUE;
