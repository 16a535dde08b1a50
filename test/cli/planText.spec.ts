/**
 * The plan's text view, what a reviewer reads before tenants are added or removed: one report
 * that touches every line the view can print, and the text it must read as, written out here.
 */
import * as assert from "node:assert/strict";
import type { PlanReport } from "../../cli/plan/report";
import type { ResourceStep } from "../../cli/plan/resourceSteps";
import { formatPlan } from "../../cli/plan/text";

const URN = "urn:pulumi:staging::nocobase-platform::";

function step(op: ResourceStep["op"], type: string, name: string, over: Partial<ResourceStep> = {}): ResourceStep {
    return {
        op,
        urn: `${URN}${type}::${name}`,
        type,
        name,
        changed: [],
        dataAtRisk: false,
        protect: false,
        retainOnDelete: false,
        ...over,
    };
}

const DATABASE = "postgresql:index/database:Database";
const SCHEMA = "postgresql:index/schema:Schema";
const APP = "pulumi-nodejs:dynamic/nocobase:App";

const steps = [
    step("create", DATABASE, "platform-app-erp-db-database"),
    step("update", APP, "platform-app-crm-registration", { changed: ["displayName", "cname"] }),
    step("replace", DATABASE, "platform-app-wiki-db-database", {
        changed: ["name"],
        dataAtRisk: true,
        retainOnDelete: true,
    }),
    step("delete", SCHEMA, "platform-app-billing-db-schema", { dataAtRisk: true, protect: true }),
    step("delete", SCHEMA, "platform-app-old-db-schema", { dataAtRisk: true }),
];

const report: PlanReport = {
    stack: "staging",
    file: "stacks/Pulumi.staging.yaml",
    mode: "multi-environment",
    nocobaseVersion: "2.2.15",
    supervisor: "applications",
    entry: { url: "https://apps.example.com", runtime: "local", adopted: false },
    environments: [
        { name: "env_a", runtime: "local", runtimeType: "docker", apps: 2 },
        { name: "local", runtime: null, runtimeType: null, apps: 1 },
    ],
    apps: [
        {
            id: "crm",
            displayName: "CRM",
            environment: "env_a",
            database: { mode: "database", name: "crm" },
            domain: "crm.example.com",
            startMode: "with-main",
            state: "running",
        },
        {
            id: "billing",
            displayName: "Billing",
            environment: "env_a",
            database: { mode: "schema", name: "nocobase_tenants", schema: "billing" },
            domain: null,
            startMode: "first-visit",
            state: "stopped",
        },
        {
            id: "wayne",
            displayName: "Wayne",
            environment: "local",
            database: { mode: "connection", host: "db.wayne.example", name: "wayne", schema: "nocobase" },
            domain: null,
            startMode: "first-visit",
            state: "running",
        },
    ] as PlanReport["apps"],
    resources: { total: 12, byType: { [APP]: 3, [DATABASE]: 9 } },
    policies: {
        mandatory: [
            {
                policy: "tenant-data-protected",
                enforcementLevel: "mandatory",
                message: 'Schema "old" holds tenant data and must be protected (protect: true)',
                urn: `${URN}${SCHEMA}::platform-app-old-db-schema`,
            },
        ],
        advisory: [{ policy: "apps-per-environment", enforcementLevel: "advisory", message: "env_a holds 2 apps" }],
    },
    diff: {
        base: { stack: "staging", file: "stacks/Pulumi.staging.yaml" },
        tenants: {
            platform: [{ field: "nocobaseVersion", from: "2.2.14", to: "2.2.15" }],
            environmentsAdded: ["env_c"],
            environmentsRemoved: ["env_b"],
            appsAdded: ["erp"],
            appsRemoved: ["old", "billing"],
            appsMoved: [{ id: "wiki", from: "env_b", to: "env_a" }],
            appsChanged: [
                {
                    id: "crm",
                    changes: [
                        { field: "displayName", from: "Crm", to: "CRM" },
                        { field: "domain", from: null, to: "crm.example.com" },
                    ],
                },
            ],
        },
        steps,
        counts: { create: 1, update: 1, replace: 1, delete: 2 },
        dataAtRisk: steps.filter((s) => s.dataAtRisk),
        upgrade: {
            from: "2.2.14",
            to: "2.2.15",
            refused: null,
            directory: "./backups/staging/upgrade-2.2.14-to-2.2.15-<time>/",
            backups: ["crm", "nocobase_tenants"],
            workloads: [{ op: "replace", name: "platform-entry-workload-container" }],
            notUpgraded: ["wayne"],
        },
    },
} as PlanReport;

describe("plan: the text view", () => {
    it("counts one database in the singular, leaves out an empty upgrade: false, and a connection without schema", () => {
        const single: PlanReport = {
            ...report,
            apps: [
                { ...report.apps[2], database: { mode: "connection", host: "db.wayne.example", name: "wayne" } },
            ] as PlanReport["apps"],
            diff: { ...report.diff!, upgrade: { ...report.diff!.upgrade!, backups: ["crm"], notUpgraded: [] } },
        };
        const lines = formatPlan(single).split("\n");
        assert.ok(
            lines.some((l) => /^ {2}wayne {2}local {8}connection db\.wayne\.example\/wayne {2}/.test(l)),
            lines.join("\n"),
        );
        const upgrade = lines.slice(
            lines.indexOf("Upgrade NocoBase 2.2.14 -> 2.2.15"),
            lines.indexOf("    replace platform-entry-workload-container") + 1,
        );
        assert.deepEqual(upgrade, [
            "Upgrade NocoBase 2.2.14 -> 2.2.15",
            "  first, dumps 1 database to ./backups/staging/upgrade-2.2.14-to-2.2.15-<time>/",
            "    crm.dump",
            "  then, once every dump reads back:",
            "    replace platform-entry-workload-container",
        ]);
        assert.equal(lines[lines.indexOf("    replace platform-entry-workload-container") + 1], "");
    });

    it("lists every app upgrade: false leaves behind", () => {
        const two: PlanReport = {
            ...report,
            diff: { ...report.diff!, upgrade: { ...report.diff!.upgrade!, notUpgraded: ["wayne", "crm"] } },
        };
        assert.ok(formatPlan(two).includes("\n  upgrade: false (NocoBase leaves their data at 2.2.14): wayne, crm\n"));
    });

    it("prints every part of the report, aligned, with each data-holding step's fate", () => {
        assert.equal(
            formatPlan(report),
            [
                "Stack staging (stacks/Pulumi.staging.yaml)",
                "Mode multi-environment, NocoBase 2.2.15, supervisor applications",
                "Entry app https://apps.example.com on runtime local",
                "",
                "Environments",
                "  NAME   RUNTIME                APPS",
                "  env_a  local (docker)         2",
                "  local  the adopted entry app  1",
                "",
                "Apps",
                "  ID       ENVIRONMENT  DATABASE                                    DOMAIN           START        STATE",
                "  crm      env_a        database crm                                crm.example.com  with-main    running",
                "  billing  env_a        schema nocobase_tenants.billing             -                first-visit  stopped",
                "  wayne    local        connection db.wayne.example/wayne.nocobase  -                first-visit  running",
                "",
                "Resources: 12",
                "  COUNT  TYPE",
                "  3      pulumi-nodejs:dynamic/nocobase:App",
                "  9      postgresql:index/database:Database",
                "",
                "Policy violations: 1 mandatory, 1 advisory",
                '  [mandatory] tenant-data-protected: Schema "old" holds tenant data and must be protected (protect: true) (platform-app-old-db-schema)',
                "  [advisory] apps-per-environment: env_a holds 2 apps",
                "",
                "Changes from stacks/Pulumi.staging.yaml",
                "  platform nocobaseVersion: 2.2.14 -> 2.2.15",
                "  environments added: env_c",
                "  environments removed: env_b",
                "  apps added: erp",
                "  apps removed: old, billing",
                "  apps moved: wiki (env_b -> env_a)",
                '  app crm: displayName "Crm" -> "CRM"; domain null -> "crm.example.com"',
                "",
                "Resource steps: 1 to create, 1 to update, 1 to replace, 2 to delete",
                "  +  create  postgresql:index/database:Database platform-app-erp-db-database",
                "  ~  update  pulumi-nodejs:dynamic/nocobase:App platform-app-crm-registration [displayName, cname]",
                "  +- replace postgresql:index/database:Database platform-app-wiki-db-database [name]",
                "  -  delete  postgresql:index/schema:Schema platform-app-billing-db-schema",
                "  -  delete  postgresql:index/schema:Schema platform-app-old-db-schema",
                "",
                "Upgrade NocoBase 2.2.14 -> 2.2.15",
                "  first, dumps 2 databases to ./backups/staging/upgrade-2.2.14-to-2.2.15-<time>/",
                "    crm.dump",
                "    nocobase_tenants.dump",
                "  then, once every dump reads back:",
                "    replace platform-entry-workload-container",
                "  upgrade: false (NocoBase leaves their data at 2.2.14): wayne",
                "",
                "!!! DATA AT RISK: 3 data-holding resources would be deleted or replaced !!!",
                "  !!! REPLACE postgresql:index/database:Database platform-app-wiki-db-database: retained: the old one stays on the server with its data, and the new one starts EMPTY",
                "  !!! DELETE postgresql:index/schema:Schema platform-app-billing-db-schema: protected: the engine refuses this step, and the update fails until protection is lifted",
                "  !!! DELETE postgresql:index/schema:Schema platform-app-old-db-schema: the data is DESTROYED",
            ].join("\n"),
        );
    });

    it("says so when nothing changes for tenants, an adopted entry app, a refused upgrade and one resource at risk", () => {
        const risky = step("delete", DATABASE, "platform-app-crm-db-database", {
            dataAtRisk: true,
            retainOnDelete: true,
        });
        const quiet: PlanReport = {
            ...report,
            entry: { url: "https://nocobase.example.com", runtime: null, adopted: true },
            environments: [],
            apps: [],
            resources: { total: 0, byType: {} },
            policies: { mandatory: [], advisory: [] },
            diff: {
                ...report.diff!,
                tenants: {
                    platform: [],
                    environmentsAdded: [],
                    environmentsRemoved: [],
                    appsAdded: [],
                    appsRemoved: [],
                    appsMoved: [],
                    appsChanged: [],
                },
                steps: [],
                counts: { create: 0, update: 0, replace: 0, delete: 0 },
                dataAtRisk: [risky],
                upgrade: {
                    ...report.diff!.upgrade!,
                    refused: "no backups.location",
                    backups: [],
                    workloads: [],
                    notUpgraded: [],
                },
            },
        };
        assert.equal(
            formatPlan(quiet).split("\n").slice(2).join("\n"),
            [
                "Entry app https://nocobase.example.com, adopted: nothing is run or created for it; pulumi preview checks that it runs NocoBase 2.2.15",
                "",
                "Environments",
                "  NAME  RUNTIME  APPS",
                "",
                "Apps",
                "  ID  ENVIRONMENT  DATABASE  DOMAIN  START  STATE",
                "",
                "Resources: 0",
                "  COUNT  TYPE",
                "",
                "Policy violations: 0 mandatory, 0 advisory",
                "",
                "Changes from stacks/Pulumi.staging.yaml",
                "  no tenant changes",
                "",
                "Resource steps: 0 to create, 0 to update, 0 to replace, 0 to delete",
                "",
                "Upgrade NocoBase 2.2.14 -> 2.2.15",
                "  REFUSED before anything changes: no backups.location",
                "",
                "!!! DATA AT RISK: 1 data-holding resource would be deleted or replaced !!!",
                "  !!! DELETE postgresql:index/database:Database platform-app-crm-db-database: retained: the data stays on the server, but the stack no longer manages it",
            ].join("\n"),
        );
    });
});
