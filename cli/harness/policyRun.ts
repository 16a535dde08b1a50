/**
 * Runs CrossGuard policies over a rendered program, with the arguments the policy SDK's server
 * builds from the engine's requests (`@pulumi/policy` server.js): inputs with secrets unwrapped and
 * internal `__` keys dropped, options as `PolicyResourceOptions`, parents and dependencies resolved
 * for stack policies, config defaults from each policy's schema (the CLI's job) under overrides.
 *
 * Two differences from the engine, both documented in docs/offline-plan.md: resource policies run on every
 * custom resource at once rather than as each registers, and stack policies see inputs where the
 * engine would pass outputs (mocks return inputs as outputs, so for the fields the rules read the
 * two agree).
 */
import type {
    EnforcementLevel,
    Policies,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import { Registration, reveal } from "./render";

export interface PolicyFinding {
    policy: string;
    /** Effective level; `remediate` reports as mandatory, as the SDK does. */
    enforcementLevel: "advisory" | "mandatory";
    message: string;
    urn?: string;
}

export interface PolicyRunOptions {
    stackTags?: ReadonlyMap<string, string>;
    /** Per-policy config, as `--policy-pack-config` gives it; `enforcementLevel` may override. */
    config?: Record<string, Record<string, unknown>>;
}

class NotApplicable extends Error {}

type PulumiClass = { __pulumiType?: string };

export async function runPolicies(
    policies: Policies,
    registrations: Registration[],
    options: PolicyRunOptions = {},
): Promise<PolicyFinding[]> {
    const stackTags = options.stackTags ?? new Map<string, string>();
    const providers = new Map(
        registrations.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => [r.urn, r]),
    );
    const findings: PolicyFinding[] = [];

    const resources = new Map<string, PolicyResource>();
    for (const r of registrations) {
        resources.set(r.urn, {
            type: r.type,
            props: propsOf(r),
            urn: r.urn,
            name: r.name,
            opts: optionsOf(r),
            provider: providerOf(r, providers),
            dependencies: [],
            propertyDependencies: {},
            isType: (cls) => (cls as PulumiClass).__pulumiType === r.type,
            asType: (cls) => ((cls as PulumiClass).__pulumiType === r.type ? (propsOf(r) as never) : undefined),
        });
    }
    for (const r of registrations) {
        const resource = resources.get(r.urn)!;
        resource.parent = resources.get(r.parent);
        resource.dependencies = r.dependencies.flatMap((urn) => (resources.has(urn) ? [resources.get(urn)!] : []));
    }

    for (const policy of policies) {
        const level = effectiveLevel(policy.enforcementLevel, options.config?.[policy.name]);
        if (level === "disabled") continue;
        const getConfig = <T extends object>() => configOf(policy, options.config?.[policy.name]) as T;
        const notApplicable = (reason?: string): never => {
            throw new NotApplicable(reason);
        };
        const collect = (urn?: string) => (message: string, reportedUrn?: string) =>
            findings.push({ policy: policy.name, enforcementLevel: level, message, urn: reportedUrn ?? urn });
        try {
            if ("validateStack" in policy) {
                await (policy as StackValidationPolicy).validateStack(
                    { resources: [...resources.values()], stackTags, getConfig, notApplicable },
                    collect(),
                );
                continue;
            }
            const validations = [(policy as ResourceValidationPolicy).validateResource ?? []].flat();
            for (const r of registrations) {
                if (!r.custom) continue;
                const resource = resources.get(r.urn)!;
                const args: ResourceValidationArgs = {
                    type: r.type,
                    props: resource.props,
                    urn: r.urn,
                    name: r.name,
                    opts: resource.opts,
                    provider: resource.provider,
                    stackTags,
                    isType: resource.isType,
                    asType: (cls) =>
                        (cls as PulumiClass).__pulumiType === r.type ? (resource.props as never) : undefined,
                    getConfig,
                    notApplicable,
                };
                for (const validate of validations) {
                    try {
                        await validate(args, collect(r.urn));
                    } catch (e) {
                        if (!(e instanceof NotApplicable)) throw e;
                    }
                }
            }
        } catch (e) {
            if (!(e instanceof NotApplicable)) throw new Error(`policy ${policy.name} failed: ${(e as Error).message}`);
        }
    }
    return findings;
}

/** The SDK unwraps secrets and the engine drops internal keys (`__provider`, ...) before policies see props. */
function propsOf(r: Registration): Record<string, unknown> {
    const props = reveal(r.inputs) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(props).filter(([k]) => !k.startsWith("__")));
}

function optionsOf(r: Registration): PolicyResourceOptions {
    return {
        protect: r.protect,
        ignoreChanges: r.ignoreChanges,
        deleteBeforeReplace: r.deleteBeforeReplace,
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: r.additionalSecretOutputs,
        parent: r.parent || undefined,
    };
}

/** A provider reference is `<urn>::<id>`; the default provider has none. */
function providerOf(r: Registration, providers: Map<string, Registration>): PolicyProviderResource | undefined {
    if (!r.provider) return undefined;
    const urn = r.provider.slice(0, r.provider.lastIndexOf("::"));
    const p = providers.get(urn);
    return p ? { type: p.type, props: propsOf(p), urn: p.urn, name: p.name } : undefined;
}

function effectiveLevel(
    declared: EnforcementLevel | undefined,
    config: Record<string, unknown> | undefined,
): "advisory" | "mandatory" | "disabled" {
    // The pack's default level is advisory (policies/index.ts).
    const level = (config?.enforcementLevel as EnforcementLevel | undefined) ?? declared ?? "advisory";
    return level === "remediate" ? "mandatory" : level;
}

function configOf(
    policy: { configSchema?: { properties: Record<string, unknown> } },
    overrides: Record<string, unknown> = {},
): Record<string, unknown> {
    const defaults = Object.entries(policy.configSchema?.properties ?? {}).flatMap(([k, schema]) =>
        (schema as { default?: unknown }).default === undefined ? [] : [[k, (schema as { default?: unknown }).default]],
    );
    const { enforcementLevel: _level, ...rest } = overrides;
    return { ...Object.fromEntries(defaults), ...rest };
}
