/**
 * The provider bundles that dynamic resources carry in `__provider`. The provider host runs them in a
 * plain Node process (test/lifecycle/decommission.spec.ts and the NocoBase suite drive that host); here: what
 * the bundles may contain, and that the program registers them unchanged.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { providerBundle, providerSource } from "../../components/lifecycle/providerBundle";
import { ProviderHost } from "../support/providerHost";
import { ofType, renderStack } from "../support/stacks";
import { PROJECT_ROOT as ROOT } from "../../components/core/project";

const APP = "pulumi-nodejs:dynamic/nocobase:App";
const METHODS = ["check", "diff", "create", "update", "delete"];
const PROVIDERS = {
    [APP]: require.resolve("../../components/lifecycle/appProvider"),
    "pulumi-nodejs:dynamic/nocobase:Decommission": require.resolve("../../components/lifecycle/decommissionProvider"),
};

describe("provider bundles", function () {
    this.timeout(60_000);

    for (const [type, entry] of Object.entries(PROVIDERS)) {
        describe(type.split(":").pop()!, () => {
            const source = providerSource(entry);
            const packed = providerBundle(entry);

            it("requires nothing but Node's built-ins: the host has no node_modules of ours and no TypeScript loader", () => {
                for (const text of [source, packed]) {
                    const required = [...text.matchAll(/\brequire\(["']([^"']+)["']\)/g)].map((m) => m[1]);
                    assert.ok(
                        required.length > 0,
                        "a provider that requires nothing would be a surprise: the pattern is broken",
                    );
                    const foreign = required.filter((m) => !builtinModules.includes(m.replace(/^node:/, "")));
                    assert.deepEqual(foreign, []);
                }
                assert.doesNotMatch(source, /@pulumi\/pulumi/, "the SDK is for types only");
            });

            it("is the same text on every machine: no absolute path of the checkout in it", () => {
                for (const text of [source, packed])
                    assert.ok(
                        !text.includes(ROOT),
                        "an absolute path would change __provider, and the state, per machine",
                    );
                assert.match(
                    source,
                    /\/\/ components\/lifecycle\/\w+Provider\.ts/,
                    "sources are named relative to the project",
                );
            });

            it("carries the bundle deflated: every app's state holds a copy", () => {
                assert.ok(
                    packed.length < source.length * 0.65,
                    `${packed.length} bytes packed, ${source.length} bundled`,
                );
            });

            it("exports the handler the host calls, returning the provider's methods", () => {
                // Loaded in a process of its own, as the host loads it. (Evaluated here, the bundle's
                // module-level code would count as tested by this test alone in a mutation run.)
                const dir = mkdtempSync(path.join(tmpdir(), "provider-bundle-"));
                try {
                    const file = path.join(dir, "bundle.js");
                    writeFileSync(file, packed);
                    const script = `const p = require(${JSON.stringify(file)}).handler(); console.log(JSON.stringify(${JSON.stringify(METHODS)}.map((m) => typeof p[m])))`;
                    const types = JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));
                    assert.deepEqual(
                        types,
                        METHODS.map(() => "function"),
                    );
                } finally {
                    rmSync(dir, { recursive: true, force: true });
                }
            });
        });
    }

    it("Pulumi's provider host runs the app bundle: check normalises and validates, diff replaces on a new id (no HTTP)", async () => {
        const host = await ProviderHost.start(providerBundle(PROVIDERS[APP]), APP);
        try {
            // No domain and no JWT secret: optional inputs the provider must leave out, not send as undefined.
            const news = {
                entryUrl: "http://entry.example:13000/",
                credentials: { account: "admin@example.com", password: "pw" },
                appId: "acme",
                displayName: " Acme ",
                database: { host: "db.example", port: "5432", username: "acme", password: "pw", database: "acme" },
            };
            const checked = await host.check("acme", {}, news);
            assert.deepEqual(checked.failures, []);
            const { __provider, ...inputs } = checked.inputs;
            assert.equal(__provider, providerBundle(PROVIDERS[APP]));
            assert.deepEqual(inputs, {
                entryUrl: "http://entry.example:13000",
                adapter: "applications",
                credentials: news.credentials,
                appId: "acme",
                displayName: "Acme",
                environment: "local",
                startMode: "first-visit",
                state: "running",
                // The stack file's default: an app left out of an upgrade would run on data of the old version.
                upgrade: true,
                providerVersion: "1",
                database: { ...news.database, port: 5432 },
            });

            const bad = await host.check("acme", {}, { ...news, appId: "Acme-Corp", startMode: "eager" });
            assert.deepEqual(
                bad.failures.map((f) => f.property),
                ["appId", "startMode"],
            );
            assert.deepEqual(await host.diff("acme", "crm", { ...checked.inputs, appId: "crm" }, checked.inputs), {
                changes: "some",
                replaces: ["appId"],
            });
        } finally {
            host.stop();
        }
    });

    it("every dynamic resource of a rendered stack carries its provider's bundle", async () => {
        const rendered = await renderStack("dev", (c) => {
            c.backups = { location: "/var/backups/nocobase" };
            c.apps[0].state = "decommissioned";
        });
        for (const [type, entry] of Object.entries(PROVIDERS)) {
            const resources = ofType(rendered, type);
            assert.ok(resources.length > 0, `the dev stack has a ${type}`);
            for (const r of resources) assert.equal(r.inputs.__provider, providerBundle(entry), r.name);
        }
    });
});
