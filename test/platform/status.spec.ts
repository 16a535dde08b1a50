/**
 * The platform's aggregated status (the `status` stack output), computed directly from a validated
 * configuration and what NocoBase says of each app: the expected figures are counted here from the
 * configuration below, and NocoBase's statuses are the ones its `AppStatus` type lists.
 */
import * as assert from "node:assert/strict";
import { buildStatus, notUpgradedApps, observedCategory } from "../../components/platform/status";
import type { PlatformConfig } from "../../components/config/types";
import { validConfig } from "../support/stacks";

describe("platform status (buildStatus)", () => {
    // Validated in a hook, not when the file loads: a mutation run then sees this suite reach derive.
    let config: PlatformConfig;
    before(() => {
        config = validConfig(
            {
                platform: { mode: "multi-environment", nocobaseVersion: "2.2.15" },
                runtimes: { local: { type: "docker" } },
                postgres: { runtime: "local" },
                redis: { runtime: "local" },
                entry: { runtime: "local", domain: "apps.example.com" },
                backups: { location: "/var/backups/nocobase" },
                environments: [
                    { name: "env_a", runtime: "local" },
                    { name: "env_b", runtime: "local", url: "https://b.env.example.com" },
                ],
                apps: [
                    { id: "crm", displayName: "CRM", environment: "env_a", database: { mode: "database" } },
                    {
                        id: "wiki",
                        displayName: "Wiki",
                        environment: "env_a",
                        database: { mode: "schema" },
                        state: "stopped",
                    },
                    {
                        id: "erp",
                        displayName: "ERP",
                        environment: "env_b",
                        database: {
                            mode: "connection",
                            host: "erp-db.example.com",
                            user: "erp",
                            password: "pw",
                            database: "erp_prod",
                        },
                        upgrade: false,
                    },
                    {
                        id: "old",
                        displayName: "Old",
                        environment: "env_b",
                        database: { mode: "database" },
                        state: "decommissioned",
                        upgrade: false,
                    },
                ],
            },
            ["apps"],
        );
    });

    it("sorts every status NocoBase reports into running, stopped, error, transitioning or unknown", () => {
        const expected: Record<string, string> = {
            running: "running",
            stopped: "stopped",
            // Registered and never started: what a stopped app is after its first up.
            initialized: "stopped",
            error: "error",
            not_found: "error",
            preparing: "transitioning",
            initializing: "transitioning",
            commanding: "transitioning",
            // applications:get's stored column, never the live status.
            pending: "unknown",
        };
        for (const [status, category] of Object.entries(expected))
            assert.equal(observedCategory(status), category, status);
        assert.equal(observedCategory(undefined), "unknown");
        assert.equal(observedCategory(null), "unknown");
    });

    it("counts what is wanted from the stack and what is observed from NocoBase, leaving a decommissioned app out", () => {
        const s = buildStatus(
            config,
            {},
            { crm: "initialized", wiki: "initialized", erp: "running", old: "not_found" },
        );
        assert.deepEqual(s.totals, {
            environments: 2,
            apps: 4,
            wantedRunning: 2,
            wantedStopped: 1,
            decommissioned: 1,
            byDatabaseMode: { database: 2, schema: 1, connection: 1 },
            observed: { running: 1, stopped: 2, error: 0, transitioning: 0, unknown: 0 },
        });
        assert.deepEqual(Object.fromEntries(Object.entries(s.apps).map(([id, a]) => [id, a.inSync])), {
            crm: false,
            wiki: true,
            erp: true,
            old: false,
        });
        assert.deepEqual(
            Object.fromEntries(
                Object.entries(s.environments).map(([n, e]) => [
                    n,
                    [e.apps, e.appsWantedRunning, e.appsObservedRunning],
                ]),
            ),
            { env_a: [2, 1, 0], env_b: [2, 1, 1] },
        );
    });

    it("an app NocoBase has said nothing of yet is neither in sync nor out of it", () => {
        const s = buildStatus(config, {});
        assert.deepEqual([s.apps.crm.observed, s.apps.crm.inSync], [null, null]);
        assert.equal(s.totals.observed.unknown, 3);
    });

    it("an environment without a URL of its own is reached at the entry URL", () => {
        const s = buildStatus(config, { env_b: "https://b.env.example.com" });
        assert.deepEqual(
            [s.environments.env_a.url, s.environments.env_b.url],
            ["http://apps.example.com", "https://b.env.example.com"],
        );
        assert.equal(s.apps.crm.url, "http://apps.example.com/apps/crm/admin/");
    });

    it("describes each app's storage by mode: a server's host for a connection only", () => {
        const s = buildStatus(config, {});
        assert.deepEqual(s.apps.crm.database, { mode: "database", name: "crm", schema: null, host: null });
        assert.deepEqual(s.apps.wiki.database, {
            mode: "schema",
            name: "nocobase_tenants",
            schema: "wiki",
            host: null,
        });
        assert.deepEqual(s.apps.erp.database, {
            mode: "connection",
            name: "erp_prod",
            schema: null,
            host: "erp-db.example.com",
        });
    });

    it("a decommissioned app shows where its dump goes; the others have no backup", () => {
        const s = buildStatus(config, {});
        assert.deepEqual(s.apps.old.backup, { location: "/var/backups/nocobase" });
        assert.equal(s.apps.crm.backup, null);
    });

    it("lists as not upgraded the apps with upgrade off that NocoBase still runs", () => {
        assert.deepEqual(notUpgradedApps(config), ["erp"]);
        assert.deepEqual(buildStatus(config, {}).upgrade, { lastBackup: null, notUpgraded: ["erp"] });
    });
});
