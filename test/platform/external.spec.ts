/**
 * An adopted entry app (`entry.external`) under mocks: what the program registers for it (nothing
 * that runs or stores it), what it still registers (the apps, their storage, the workers), the
 * status the stack reports, and the provider that reads the entry app's version and its other apps.
 */
import * as assert from "node:assert/strict";
import { UNKNOWN_VALUE } from "../../components/core/engine";
import { buildStatus } from "../../components/platform/status";
import type { PlatformStatus } from "../../components/platform/status";
import type { PlatformConfig } from "../../components/config/types";
import {
    ExternalEntryProvider,
    unmanagedApps,
    versionMismatch,
} from "../../components/lifecycle/externalEntryProvider";
import type { ExternalEntryInputs } from "../../components/lifecycle/externalEntryProvider";
import { SecretValue, reveal } from "../../cli/harness/render";
import {
    adoptEntry,
    assertNamedTree,
    byName,
    nonEmpty,
    ofType,
    parentName,
    renderStack,
    validConfig,
} from "../support/stacks";
import { API_KEY, FaultServer } from "../support/faultServer";

const URL_OF_ENTRY = "https://nocobase.example.com";
const adopt = adoptEntry(`${URL_OF_ENTRY}/`);

describe("an adopted entry app (entry.external) under mocks", function () {
    this.timeout(60_000);

    describe("shared-memory, PostgreSQL in a container (dev)", () => {
        let r: Awaited<ReturnType<typeof renderStack>>;
        before(async () => {
            r = await renderStack("dev", adopt);
        });

        it("keeps the resource tree: the adopted entry's check is a child of the entry app", () => {
            assertNamedTree(r);
            assert.equal(parentName(r, byName(r, "platform-entry-external")), "platform-entry");
        });

        it("registers no workload, database or secret for the entry app", () => {
            const names = r.registrations.map((x) => x.name);
            assert.deepEqual(
                names.filter((n) => n.startsWith("platform-entry")),
                ["platform-entry", "platform-entry-external"],
            );
            // The tenants' derivation key, and the PostgreSQL container's own password: nothing of the entry app.
            assert.deepEqual(
                ofType(r, "random:index/randomPassword:RandomPassword")
                    .map((x) => x.name)
                    .sort(),
                ["platform-postgres-password", "platform-secrets-derivation-key"],
            );
            assert.ok(!r.registrations.some((x) => x.type === "kubernetes:apps/v1:Deployment"));
            // The only container is PostgreSQL's, on the one runtime something still runs on.
            assert.deepEqual(
                ofType(r, "docker:index/container:Container").map((x) => x.name),
                ["platform-postgres-container"],
            );
            assert.deepEqual(
                ofType(r, "postgresql:index/database:Database")
                    .map((x) => x.inputs.name)
                    .sort(),
                ["crm", "nocobase_tenants"],
                "only the tenants' databases: crm's, and the one of the schemas of helpdesk and sandbox",
            );
        });

        it("makes the tenants' storage only after the entry app is checked; backs up none of the entry's data", () => {
            const check = byName(r, "platform-entry-external").urn;
            for (const x of nonEmpty(
                r.registrations.filter((x) => /^platform-(tenants-|app-\w+-db$)/.test(x.name)),
                "the tenants' storage",
            ))
                assert.ok(x.dependencies.includes(check), x.name);
            // A schema goes into the shared database, which must be there first.
            const shared = byName(r, "platform-tenants-database").urn;
            for (const id of ["helpdesk", "sandbox"])
                assert.ok(byName(r, `platform-app-${id}-db`).dependencies.includes(shared), id);
            const databases = reveal(byName(r, "platform-upgrade-backup").inputs.databases) as Array<{ name: string }>;
            assert.deepEqual(
                databases.map((d) => d.name),
                ["app-crm", "app-helpdesk", "app-sandbox"],
                "the adopted entry app's database is its owners' to back up",
            );
        });

        it("checks the entry app with its URL, version, API key (secret) and the apps the stack names", () => {
            const check = byName(r, "platform-entry-external");
            assert.equal(check.type, "pulumi-nodejs:dynamic/nocobase:ExternalEntry");
            assert.equal(check.inputs.url, URL_OF_ENTRY);
            assert.equal(check.inputs.nocobaseVersion, "2.2.15");
            assert.equal(check.inputs.adapter, "applications");
            assert.ok(check.inputs.apiKey instanceof SecretValue, "the API key is secret");
            assert.deepEqual(check.inputs.managedApps, ["crm", "helpdesk", "sandbox"]);
            assert.ok(check.additionalSecretOutputs.includes("apiKey"));
        });

        it("still registers every app, at the adopted URL, with the API key, after the check", () => {
            const check = byName(r, "platform-entry-external");
            for (const reg of nonEmpty(ofType(r, "pulumi-nodejs:dynamic/nocobase:App"), "registrations")) {
                assert.equal(reg.inputs.entryUrl, URL_OF_ENTRY);
                assert.ok(reg.inputs.credentials instanceof SecretValue);
                assert.deepEqual(Object.keys((reg.inputs.credentials as SecretValue).value as object), ["apiKey"]);
                assert.ok(reg.dependencies.includes(check.urn), `${reg.name} waits for the version check`);
            }
        });

        it("reports the entry app as adopted, on no runtime, its unmanaged apps unknown until the engine reads them", () => {
            const status = r.outputs.status.value as PlatformStatus;
            assert.deepEqual(status.entry, {
                url: URL_OF_ENTRY,
                runtime: null,
                domain: null,
                adopted: true,
                unmanagedApps: null,
            });
            assert.equal(status.environments.local.runtime, null);
            assert.equal(status.apps.crm.url, `${URL_OF_ENTRY}/apps/crm/admin/`);
            assert.equal(r.outputs.entryUrl.value, URL_OF_ENTRY);
        });
    });

    it("multi-environment: the workers still run, with the secrets they share, and join through Redis at their URL", async () => {
        const r = await renderStack("staging", (c) => {
            adopt(c);
        });
        const containers = ofType(r, "docker:index/container:Container").map((x) => x.name);
        assert.ok(!containers.includes("platform-entry-workload-container"));
        assert.deepEqual(
            containers.filter((n) => n.startsWith("platform-env-")),
            ["platform-env-env_a-workload-container", "platform-env-env_b-workload-container"],
        );
        assert.deepEqual(
            ofType(r, "random:index/randomPassword:RandomPassword")
                .map((x) => x.name)
                .sort(),
            ["platform-secrets-admin-password", "platform-secrets-app-key", "platform-secrets-derivation-key"],
        );
        const env = (byName(r, "platform-env-env_a-workload-container").inputs.envs as SecretValue).value as string[];
        assert.ok(env.includes("APP_MODE=worker"));
        assert.ok(env.includes("ENVIRONMENT_PROXY_URL=http://worker-0.example.com"), env.join("\n"));
        assert.ok(env.some((v) => v.startsWith("APP_SUPERVISOR_REDIS_URL=redis://")));
        assert.ok(!ofType(r, "postgresql:index/database:Database").some((d) => d.inputs.name === "nocobase_main"));
    });
});

describe("status of an adopted entry app (buildStatus)", () => {
    // Validated in a hook, not when the file loads: a mutation run then sees this suite reach derive.
    let config: PlatformConfig;
    before(() => {
        config = validConfig(
            {
                platform: { mode: "shared-memory", nocobaseVersion: "2.2.15" },
                runtimes: {},
                postgres: { host: "db.example.com", adminUser: "admin", adminPassword: "pw" },
                entry: { external: { url: URL_OF_ENTRY, apiKey: "key" } },
                apps: [{ id: "crm", displayName: "CRM", database: { mode: "database" } }],
            },
            ["postgres", "entry"],
        );
    });

    it("lists the apps on it that the stack does not name", () => {
        const status = buildStatus(config, {}, { crm: "running" }, {}, null, ["legacy", "sales"]);
        assert.deepEqual(status.entry.unmanagedApps, ["legacy", "sales"]);
        assert.equal(status.entry.adopted, true);
        assert.deepEqual(Object.keys(status.apps), ["crm"]);
        assert.equal(status.totals.apps, 1, "unmanaged apps are not the stack's to count");
    });

    it("says nothing of unmanaged apps for an entry app the stack runs", () => {
        const run: PlatformConfig = { ...config, entry: { ...config.entry, external: undefined, runtime: "local" } };
        assert.equal(buildStatus(run, {}, {}, {}, null, ["legacy"]).entry.unmanagedApps, null);
    });
});

describe("the adopted entry app's provider", () => {
    let server: FaultServer;
    const inputs = (nocobaseVersion: string): ExternalEntryInputs => ({
        url: server.url,
        adapter: "applications",
        apiKey: API_KEY,
        nocobaseVersion,
        managedApps: ["crm", "hr"],
        providerVersion: "1",
    });
    beforeEach(async () => {
        server = new FaultServer();
        await server.start();
        for (const name of ["crm", "legacy", "billing"])
            server.apps.push({ name, displayName: name, cname: null, options: {}, status: "running" });
    });
    afterEach(() => server.close());

    it("passes the version NocoBase runs and records the apps the stack does not name, signing in with the API key", async () => {
        const result = await new ExternalEntryProvider().check(inputs("2.2.15") as never, inputs("2.2.15"));
        assert.deepEqual(result.failures, []);
        assert.equal(result.inputs?.runningVersion, "2.2.15");
        assert.deepEqual(result.inputs?.unmanagedApps, ["billing", "legacy"]);
        assert.equal(server.count("auth:signIn"), 0);
        assert.ok(server.requests.every((q) => q.authorization === `Bearer ${API_KEY}`));
    });

    it("fails on another version, naming both", async () => {
        server.version = "2.1.41";
        const result = await new ExternalEntryProvider().check(inputs("2.2.15") as never, inputs("2.2.15"));
        assert.deepEqual(
            result.failures?.map((f) => f.property),
            ["nocobaseVersion"],
        );
        assert.equal(
            result.failures?.[0].reason,
            `the entry app at ${server.url} runs NocoBase 2.1.41, but platform.nocobaseVersion is 2.2.15: set platform.nocobaseVersion to 2.1.41 (an adopted entry app is upgraded by its owners, not by this stack)`,
        );
    });

    it("asks nothing while the preview does not know the URL, key or version yet", async () => {
        for (const key of ["url", "apiKey", "nocobaseVersion"] as const) {
            const news = { ...inputs("2.2.15"), [key]: UNKNOWN_VALUE };
            assert.deepEqual(await new ExternalEntryProvider().check(news as never, news), { inputs: news });
        }
        assert.equal(server.requests.length, 0);
    });

    it("creates and updates by recording the inputs, and refresh reads what NocoBase says now", async () => {
        const provider = new ExternalEntryProvider();
        const recorded = { ...inputs("2.2.15"), runningVersion: "2.2.15", unmanagedApps: [] };
        assert.deepEqual(await provider.create(recorded), { id: server.url, outs: recorded });
        assert.deepEqual(await provider.update(server.url, recorded, { ...recorded, managedApps: ["crm"] }), {
            outs: { ...recorded, managedApps: ["crm"] },
        });
        server.version = "2.2.16";
        assert.deepEqual(await provider.read(server.url, recorded), {
            id: server.url,
            props: { ...recorded, runningVersion: "2.2.16", unmanagedApps: ["billing", "legacy"] },
        });
        await assert.rejects(provider.read(server.url), {
            message: `nocobase:ExternalEntry "${server.url}": read needs the stored state`,
        });
    });

    it("unmanagedApps: what NocoBase has and the stack does not name, once each, sorted", () => {
        assert.deepEqual(unmanagedApps(["b", "a", "crm", "a"], ["crm"]), ["a", "b"]);
        assert.deepEqual(unmanagedApps([], ["crm"]), []);
        assert.match(
            versionMismatch("http://x", "1.0.0", "2.0.0"),
            /runs NocoBase 1\.0\.0, but platform\.nocobaseVersion is 2\.0\.0/,
        );
    });
});
