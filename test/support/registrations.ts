/** Registrations made by hand, as the mock renderer records them, for tests of what reads them. */
import type { Registration } from "../../cli/harness/render";

export const urnOf = (type: string, name: string) => `urn:pulumi:dev::nocobase-platform::${type}::${name}`;

/** A custom resource without parent, provider or options, unless `over` says otherwise. */
export function registration(
    type: string,
    name: string,
    inputs: Record<string, unknown> = {},
    over: Partial<Registration> = {},
): Registration {
    return {
        urn: urnOf(type, name),
        type,
        name,
        custom: true,
        parent: "",
        provider: "",
        inputs,
        protect: false,
        retainOnDelete: false,
        dependencies: [],
        additionalSecretOutputs: [],
        deleteBeforeReplace: false,
        ignoreChanges: [],
        aliases: 0,
        ...over,
    };
}
