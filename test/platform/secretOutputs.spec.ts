/**
 * A dynamic provider returns its outputs as plain values, and the engine stores them as returned:
 * an output that carries a login, a password or a key reaches the state encrypted only when the
 * resource lists it in `additionalSecretOutputs` (the engine applies the option; the mocks do what
 * it does). Which outputs of which dynamic resource carry a credential is this test's own list,
 * read off what each resource is handed, not off the program's options.
 */
import * as assert from "node:assert/strict";
import { TYPES } from "../../components/core/typeTokens";
import { EditableConfig, adoptEntry, nonEmpty, ofType, renderStack } from "../support/stacks";

const CREDENTIAL_OUTPUTS: Record<string, { outputs: string[]; why: string }> = {
    [TYPES.app]: { outputs: ["credentials"], why: "the entry app's root login or API key" },
    [TYPES.decommission]: {
        outputs: ["tenant", "admin"],
        why: "the tenant's own login (pg_dump) and the server's admin login (the drop)",
    },
    [TYPES.upgradeBackup]: { outputs: ["databases", "admin"], why: "every owner's login, and the admin's" },
    [TYPES.restore]: { outputs: ["target"], why: "the tenant's own login (pg_restore)" },
    [TYPES.externalEntry]: { outputs: ["apiKey"], why: "the adopted entry app's API key" },
};

/** dev with crm decommissioned (its data dumped) and a new app restored from a dump. */
function dayTwo(c: EditableConfig): void {
    c.backups = { location: "/var/backups/nocobase" };
    c.apps[0].state = "decommissioned";
    c.apps.push({
        id: "comeback",
        displayName: "Comeback",
        database: { mode: "database" },
        restoreFrom: "/var/backups/nocobase/dev/comeback.dump",
    });
}

describe("dynamic resources keep the outputs that carry a credential secret", function () {
    this.timeout(60_000);

    // One test that renders as well as checks: the mutation runner credits a test only with code
    // that runs inside it, not in a before-hook.
    it(`marks ${Object.values(CREDENTIAL_OUTPUTS)
        .map((c) => c.outputs.join(", "))
        .join("; ")} secret, on every such resource the program renders`, async () => {
        const rendered = [
            await renderStack("dev", dayTwo),
            await renderStack("dev", adoptEntry("https://nocobase.example.com")),
        ];
        for (const [type, { outputs, why }] of Object.entries(CREDENTIAL_OUTPUTS)) {
            const resources = nonEmpty(
                rendered.flatMap((r) => ofType(r, type)),
                `${type} resource`,
            );
            for (const r of resources)
                for (const output of outputs)
                    assert.ok(
                        r.additionalSecretOutputs.includes(output),
                        `${r.name}: ${output} (${why}) is not secret`,
                    );
        }
    });
});
