/**
 * The plan's own secret check, where the pack is blind: the render keeps Pulumi's secret marks
 * (`SecretValue`), so every secret-bearing value (by field name, by environment variable name, or
 * a URL with a password) must sit under one, in resource inputs and in unmarked stack outputs.
 * A value outside a mark would be stored in plain text in the state and printed by the CLI.
 */
import { isSecretEnv, isSecretField } from "../../policies/secretNames";
import type { PolicyFinding } from "../harness/policyRun";
import { Rendered, SecretValue } from "../harness/render";

export const SECRET_MARKS_POLICY = "secret-values-marked";

export function checkSecretMarks(rendered: Rendered): PolicyFinding[] {
    const findings: PolicyFinding[] = [];
    const report = (where: string, urn?: string) =>
        findings.push({
            policy: SECRET_MARKS_POLICY,
            enforcementLevel: "mandatory",
            message: `${where} holds a secret in plain text (not marked secret)`,
            urn,
        });
    for (const r of rendered.registrations) {
        for (const path of unmarked(r.inputs, [])) report(`${r.name}: input ${path}`, r.urn);
    }
    for (const [name, output] of Object.entries(rendered.outputs)) {
        if (output.secret) continue;
        // A path is never empty: a value is secret by its key or its env entry, never on its own.
        for (const path of unmarked(output.value, [])) report(`stack output ${name}.${path}`);
    }
    return findings;
}

/** Paths of secret-bearing values not under a `SecretValue`. */
function unmarked(value: unknown, path: string[]): string[] {
    // undefined is no object: the check below returns it.
    if (value instanceof SecretValue || value === null) return [];
    if (Array.isArray(value)) {
        return value.flatMap((v, i) => {
            // Docker's `NAME=value` environment entries.
            if (typeof v === "string" && /^[A-Za-z_][A-Za-z0-9_]*=/.test(v)) {
                const eq = v.indexOf("=");
                return isSecretEnv(v.slice(0, eq), v.slice(eq + 1))
                    ? [[...path, `[${i}] ${v.slice(0, eq)}`].join(".")]
                    : [];
            }
            return unmarked(v, [...path, `[${i}]`]);
        });
    }
    if (typeof value !== "object") return [];
    const obj = value as Record<string, unknown>;
    // Kubernetes' `{name, value}` environment entries.
    if (typeof obj.name === "string" && typeof obj.value === "string" && isSecretEnv(obj.name, obj.value))
        return [[...path, obj.name].join(".")];
    return Object.entries(obj).flatMap(([k, v]) => {
        if (isSecretField(k) && v !== "" && !(v instanceof SecretValue) && v !== null && v !== undefined)
            return [[...path, k].join(".")];
        return unmarked(v, [...path, k]);
    });
}
