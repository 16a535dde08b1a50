/**
 * The offline plan: the tenant diff and resource steps for the edits engineers make to a stack
 * file (on the staging sample), and the command's exit codes and output: through its `main`, in
 * this process, and for a few cases as a child process, the way `npm run plan` runs it.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { PlanResult, main, plan } from "../../cli/plan";
import type { PlanReport } from "../../cli/plan/report";
import { dataFate, formatPlan } from "../../cli/plan/text";
import { parseStackFile, stackFilePath } from "../../components/config/stackFile";
import { ConfigEdit, appOf, writeStackFile } from "../support/planStacks";
import { adoptEntry } from "../support/stacks";
import { PROJECT_ROOT as ROOT } from "../../components/core/project";

async function diffAgainstSample(edit: ConfigEdit, stack = "staging"): Promise<NonNullable<PlanReport["diff"]>> {
    const result: PlanResult = await plan({
        file: writeStackFile(stack, edit),
        stack,
        base: stackFilePath(stack),
        json: true,
    });
    assert.ok(result.ok, result.ok ? "" : result.problems.join("\n"));
    return result.report.diff!;
}

/** Fifty schema-mode apps more on one environment: past the pack's default cap of 50 apps. */
function fiftyMoreApps(c: Parameters<ConfigEdit>[0], environment: string): void {
    for (let n = 0; n < 50; n++)
        c.apps.push({ id: `t${n}`, displayName: `T${n}`, environment, database: { mode: "schema" } });
}

const stepsOf = (diff: NonNullable<PlanReport["diff"]>) =>
    diff.steps.map((s) => `${s.op} ${s.name}${s.changed.length ? ` [${s.changed.join(",")}]` : ""}`);

describe("plan: tenant diff and resource steps", function () {
    this.timeout(60_000);

    it("reports a render time within the plan's own, and gives the process its stack traces back", async () => {
        // A value of the test's own: an earlier plan that failed to restore the limit would have
        // left 0 behind, which reading the limit first would take for the process's setting.
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 17;
        try {
            const started = performance.now();
            const result = await plan({ file: stackFilePath("staging"), stack: "staging", json: true });
            const elapsed = performance.now() - started;
            assert.ok(result.ok, result.ok ? "" : result.problems.join("\n"));
            assert.ok(
                result.renderMs >= 0 && result.renderMs <= Math.ceil(elapsed),
                `${result.renderMs} of ${elapsed} ms`,
            );
            assert.equal(Error.stackTraceLimit, 17, "the offline runtime's setting undone");
        } finally {
            Error.stackTraceLimit = limit;
        }
    });

    it("shows nothing to do against an identical base", async () => {
        const diff = await diffAgainstSample(() => {});
        assert.deepEqual(diff.steps, []);
        assert.deepEqual(diff.tenants.appsAdded.concat(diff.tenants.appsRemoved), []);
    });

    it("adds an app: only its storage and registration are created", async () => {
        const diff = await diffAgainstSample((c) =>
            c.apps.push({
                id: "hr",
                displayName: "HR",
                environment: "env_b",
                database: { mode: "database" },
                domain: "hr.example.com",
            }),
        );
        assert.deepEqual(diff.tenants.appsAdded, ["hr"]);
        assert.deepEqual(stepsOf(diff).sort(), [
            "create platform-app-hr",
            "create platform-app-hr-db",
            "create platform-app-hr-db-connect",
            "create platform-app-hr-db-database",
            "create platform-app-hr-db-role",
            "create platform-app-hr-registration",
        ]);
        assert.deepEqual(diff.counts, { create: 6, update: 0, replace: 0, delete: 0 });
        assert.deepEqual(diff.dataAtRisk, []);
        assert.ok(!("upgrade" in diff), "no version change, no upgrade plan");
    });

    it("sorts findings by level: an environment over the apps cap is advisory, and the plan passes", async () => {
        const result = await plan({
            file: writeStackFile("staging", (c) => fiftyMoreApps(c, "env_a")),
            stack: "staging",
            json: true,
        });
        assert.ok(result.ok, result.ok ? "" : result.problems.join("\n"));
        assert.deepEqual(result.problems, []);
        const { mandatory, advisory } = result.report.policies;
        assert.deepEqual(
            [mandatory, advisory.map((f) => [f.policy, f.enforcementLevel])],
            [[], [["apps-per-environment", "advisory"]]],
        );
        const types = Object.keys(result.report.resources.byType);
        assert.deepEqual(types, [...types].sort(), "resource types are listed in order");
        assert.equal(result.report.resources.byType["pulumi-nodejs:dynamic/nocobase:App"], 54);
    });

    it("keeps a mandatory finding out of the advisory ones, and fails the plan on it alone", async () => {
        const result = await plan({
            file: writeStackFile("prod", (c) => {
                fiftyMoreApps(c, "eu_1");
                // demo shares the entry app's sessions without saying so.
                delete appOf(c, "demo").acknowledgeSharedSessions;
            }),
            stack: "prod",
            json: true,
        });
        assert.ok(result.ok, result.ok ? "" : result.problems.join("\n"));
        const { mandatory, advisory } = result.report.policies;
        assert.deepEqual(
            [mandatory, advisory].map((findings) => findings.map((f) => [f.policy, f.enforcementLevel])),
            [[["no-shared-jwt-secret-in-production", "mandatory"]], [["apps-per-environment", "advisory"]]],
        );
        assert.deepEqual(
            result.problems.map((p) => p.split(":")[0]),
            ["no-shared-jwt-secret-in-production"],
        );
    });

    it("removes an app: its data-holding resources are flagged, protected and retained", async () => {
        const diff = await diffAgainstSample(
            (c) => (c.apps = c.apps.filter((a: { id: string }) => a.id !== "helpdesk")),
        );
        assert.deepEqual(diff.tenants.appsRemoved, ["helpdesk"]);
        assert.ok(diff.steps.every((s) => s.op === "delete"));
        assert.deepEqual(
            diff.dataAtRisk.map((s) => [s.name, s.protect, s.retainOnDelete]),
            [
                ["platform-app-helpdesk-db-role", true, true],
                ["platform-app-helpdesk-db-database", true, true],
            ],
        );
    });

    it("says DATA AT RISK for a removal, with each resource's fate, and never for an added app", async () => {
        const textOf = async (edit: ConfigEdit) => {
            const result = await plan({
                file: writeStackFile("staging", edit),
                stack: "staging",
                base: stackFilePath("staging"),
                json: true,
            });
            assert.ok(result.ok);
            return formatPlan(result.report);
        };
        const removed = await textOf((c) => (c.apps = c.apps.filter((a: { id: string }) => a.id !== "helpdesk")));
        assert.match(removed, /^!!! DATA AT RISK: 2 data-holding resources would be deleted or replaced !!!$/m);
        assert.match(
            removed,
            /^ {2}!!! DELETE postgresql:index\/database:Database platform-app-helpdesk-db-database: protected: the engine refuses this step/m,
        );
        const added = await textOf((c) =>
            c.apps.push({ id: "hr", displayName: "HR", environment: "env_b", database: { mode: "database" } }),
        );
        assert.doesNotMatch(added, /DATA AT RISK/);
    });

    it("names the fate of the data for every combination of protect and retainOnDelete", () => {
        const step = (op: "delete" | "replace", protect: boolean, retainOnDelete: boolean) =>
            dataFate({ op, protect, retainOnDelete } as Parameters<typeof dataFate>[0]);
        assert.match(step("delete", true, true), /^protected: the engine refuses/);
        assert.match(step("replace", true, false), /^protected: the engine refuses/);
        assert.match(step("delete", false, true), /^retained: the data stays on the server/);
        assert.match(step("replace", false, true), /^retained: .*the new one starts EMPTY$/);
        assert.equal(step("delete", false, false), "the data is DESTROYED");
        assert.equal(step("replace", false, false), "the data is DESTROYED and the new one starts EMPTY");
    });

    it("refuses a stack whose configuration the engine could not hand to the program", async () => {
        const many = (count: number) => (c: Record<string, any>) => {
            for (let i = 0; i < count; i++)
                c.apps.push({
                    id: `bulk_${i}`,
                    displayName: `Bulk ${i}`,
                    environment: "env_b",
                    database: { mode: "schema" },
                });
        };
        const result = await plan({ file: writeStackFile("staging", many(1500)), stack: "staging", json: true });
        assert.equal(result.ok, false);
        assert.equal(result.problems.length, 1);
        // The byte count as the test measures it: what PULUMI_CONFIG=<json> would take, NUL included.
        const file = parseStackFile(readFileSync(writeStackFile("staging", many(1500)), "utf8"), "staging");
        const bytes = Buffer.byteLength(`PULUMI_CONFIG=${JSON.stringify(file.values)}`) + 1;
        assert.ok(bytes > 131072, `${bytes} bytes: the test's stack must be over the limit`);
        assert.match(
            result.problems[0],
            new RegExp(`^config: the stack's configuration takes ${bytes} bytes in PULUMI_CONFIG`),
        );
        assert.match(result.problems[0], /Linux refuses more than 131072/);
        assert.equal(
            (await plan({ file: writeStackFile("staging", many(100)), stack: "staging", json: true })).ok,
            true,
        );
    });

    it("adopting the entry app: its workload, database and secrets leave, the version check comes, the apps stay", async () => {
        const url = "https://nocobase.example.com";
        const file = writeStackFile("staging", adoptEntry(url));
        const result = await plan({ file, stack: "staging", base: stackFilePath("staging"), json: true });
        assert.ok(result.ok, result.ok ? "" : result.problems.join("\n"));
        const { report } = result;
        assert.deepEqual(report.entry, { url, runtime: null, adopted: true });
        const steps = stepsOf(report.diff!);
        assert.ok(steps.includes("create platform-entry-external"), steps.join("\n"));
        for (const gone of [
            "platform-entry-workload-container",
            "platform-entry-db-database",
            "platform-entry-db-role",
        ])
            assert.ok(steps.includes(`delete ${gone}`), `${gone} leaves the stack`);
        assert.ok(!steps.some((st) => /^(delete|replace) platform-app-/.test(st)), steps.join("\n"));
        assert.deepEqual(report.diff!.tenants.appsAdded.concat(report.diff!.tenants.appsRemoved), []);
        const text = formatPlan(report);
        assert.match(text, new RegExp(`Entry app ${url}, adopted: .*checks that it runs NocoBase 2\\.2\\.15`));
    });

    it("renames an app's display name: one update of its registration", async () => {
        const diff = await diffAgainstSample((c) => (appOf(c, "crm").displayName = "Customer CRM"));
        assert.deepEqual(diff.tenants.appsChanged, [
            { id: "crm", changes: [{ field: "displayName", from: "Sales CRM", to: "Customer CRM" }] },
        ]);
        assert.deepEqual(stepsOf(diff), ["update platform-app-crm-registration [displayName]"]);
    });

    it("moves an app to another environment: an update of its registration, its database untouched", async () => {
        const diff = await diffAgainstSample((c) => (appOf(c, "billing").environment = "env_b"));
        assert.deepEqual(diff.tenants.appsMoved, [{ id: "billing", from: "env_a", to: "env_b" }]);
        assert.deepEqual(diff.tenants.appsChanged, []);
        assert.deepEqual(stepsOf(diff), ["update platform-app-billing-registration [environment]"]);
    });

    it("renames an environment: one added, one removed, its apps moved and changed in nothing else", async () => {
        const diff = await diffAgainstSample((c) => {
            for (const e of c.environments) if (e.name === "env_b") e.name = "env_c";
            for (const a of c.apps) if (a.environment === "env_b") a.environment = "env_c";
        });
        assert.deepEqual([diff.tenants.environmentsAdded, diff.tenants.environmentsRemoved], [["env_c"], ["env_b"]]);
        assert.deepEqual(diff.tenants.appsMoved, [
            { id: "helpdesk", from: "env_b", to: "env_c" },
            { id: "wiki", from: "env_b", to: "env_c" },
        ]);
        assert.deepEqual(diff.tenants.appsChanged, []);
    });

    it("describes a connection that moves by its address, never its password", async () => {
        const diff = await diffAgainstSample(
            (c) => (appOf(c, "wayne").database.host = "wayne-db2.us.example.com"),
            "prod",
        );
        assert.deepEqual(diff.tenants.appsChanged, [
            {
                id: "wayne",
                changes: [
                    {
                        field: "database",
                        from: "connection wayne_app@wayne-db.us.example.com:5432/wayne",
                        to: "connection wayne_app@wayne-db2.us.example.com:5432/wayne",
                    },
                ],
            },
        ]);
        const tyrell = await diffAgainstSample((c) => (appOf(c, "tyrell").database.schema = "tenant"), "prod");
        assert.deepEqual(tyrell.tenants.appsChanged[0].changes[0], {
            field: "database",
            from: "connection tyrell_app@tyrell-db.us.example.com:6432/tyrell.nocobase",
            to: "connection tyrell_app@tyrell-db.us.example.com:6432/tyrell.tenant",
        });
    });

    it("changes an app's database mode: the old database is a delete the engine refuses, the schema a create", async () => {
        const diff = await diffAgainstSample((c) => (appOf(c, "helpdesk").database = { mode: "schema" }));
        assert.deepEqual(diff.tenants.appsChanged, [
            {
                id: "helpdesk",
                changes: [
                    {
                        field: "database",
                        from: "database helpdesk (role helpdesk)",
                        to: "schema nocobase_tenants.helpdesk (role helpdesk)",
                    },
                ],
            },
        ]);
        assert.deepEqual(stepsOf(diff).sort(), [
            "create platform-app-helpdesk-db-schema",
            "delete platform-app-helpdesk-db-connect",
            "delete platform-app-helpdesk-db-database",
            "update platform-app-helpdesk-db-role [roles]",
            "update platform-app-helpdesk-registration [database]",
        ]);
        assert.deepEqual(
            diff.dataAtRisk.map((s) => [s.op, s.name, s.protect]),
            [["delete", "platform-app-helpdesk-db-database", true]],
        );
    });

    it("replaces images, and the containers that run them, on a version bump", async () => {
        const diff = await diffAgainstSample((c) => (c.platform.nocobaseVersion = "2.2.16"));
        assert.deepEqual(diff.tenants.platform, [{ field: "nocobaseVersion", from: "2.2.15", to: "2.2.16" }]);
        const replaced = diff.steps.filter((s) => s.op === "replace").map((s) => s.name);
        for (const w of ["entry", "env-env_a", "env-env_b"]) {
            assert.ok(replaced.includes(`platform-${w}-workload-image`), w);
            // The new image id reaches the container only through the image's outputs.
            const container = diff.steps.find((s) => s.name === `platform-${w}-workload-container`);
            assert.deepEqual(
                [container?.op, container?.changed],
                ["replace", [`outputs of platform-${w}-workload-image`]],
                w,
            );
        }
        assert.deepEqual(diff.dataAtRisk, [], "volumes keep their data across a version bump");
    });

    it("an upgrade dumps every database first, then replaces the workloads; upgrade: false is named", async () => {
        const diff = await diffAgainstSample((c) => {
            c.platform.nocobaseVersion = "2.2.16";
            c.backups = { location: "/var/backups/nocobase//" };
            appOf(c, "wiki").upgrade = false;
        });
        assert.deepEqual(diff.upgrade, {
            from: "2.2.15",
            to: "2.2.16",
            refused: null,
            directory: "/var/backups/nocobase/staging/upgrade-2.2.15-2.2.16-<time>/",
            backups: [
                "entry-nocobase_main",
                "environment-nocobase_env_env_a",
                "environment-nocobase_env_env_b",
                "app-crm",
                "app-billing",
                "app-helpdesk",
                "app-wiki",
            ],
            workloads: [
                { op: "replace", name: "platform-entry-workload-container" },
                { op: "replace", name: "platform-env-env_a-workload-container" },
                { op: "replace", name: "platform-env-env_b-workload-container" },
            ],
            notUpgraded: ["wiki"],
        } satisfies NonNullable<typeof diff.upgrade>);
        // The backup is the one step the version itself updates; every workload waits for it.
        assert.deepEqual(
            stepsOf(diff).filter((s) => s.includes("upgrade-backup")),
            ["update platform-upgrade-backup [nocobaseVersion,location]"],
        );
    });

    it("an upgrade is refused before anything changes: a downgrade, or no backup location", async () => {
        const down = await diffAgainstSample((c) => {
            c.platform.nocobaseVersion = "2.1.41";
            c.backups = { location: "/var/backups/nocobase" };
        });
        assert.match(down.upgrade!.refused!, /^NocoBase 2\.2\.15 -> 2\.1\.41 is a downgrade/);
        assert.deepEqual([down.upgrade!.backups, down.upgrade!.workloads], [[], []]);
        const nowhere = await diffAgainstSample((c) => (c.platform.nocobaseVersion = "2.2.16"));
        assert.equal(
            nowhere.upgrade!.refused,
            "upgrading NocoBase 2.2.15 -> 2.2.16 dumps every database first, and needs backups.location",
        );
    });
});

interface CliRun {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** The command as `npm run plan` runs it (tsx), with the Node that runs the tests. */
function runProcess(args: string[]): Promise<CliRun> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", "cli/plan.ts", ...args], { cwd: ROOT });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

/** The command through its `main`, in this process. */
async function runMain(args: string[]): Promise<CliRun> {
    let stdout = "";
    let stderr = "";
    const code = await main(
        args,
        (t) => (stdout += t),
        (t) => (stderr += t),
    );
    return { code, stdout, stderr };
}

describe("plan: command line", function () {
    this.timeout(120_000);
    const runs: Record<string, CliRun> = {};
    let cases: Record<string, string[]> = {};
    let complexKeyLine = 0;
    before(async () => {
        const invalid = writeStackFile("dev", (c) => {
            c.apps[0].id = "Main";
            c.apps[1].database.mode = "graph";
        });
        // prod's demo app shares the entry app's sessions; without its acknowledgment that is a violation.
        const unacknowledged = writeStackFile("prod", (c) => delete appOf(c, "demo").acknowledgeSharedSessions);
        // What only the YAML reader sees: a misspelled namespace, a .inf, a merge key, a complex key.
        const yamlLevel = writeStackFile("dev");
        writeFileSync(
            yamlLevel,
            readFileSync(yamlLevel, "utf8")
                .replace("nocobase-platform:entry:", "nocobase-platfrom:entry:")
                .replace("port: 15432", "port: .inf")
                .replace(
                    "  nocobase-platform:apps:",
                    "  nocobase-platform:backups: { <<: { location: ./backups } }\n  nocobase-platform:apps:",
                ),
        );
        const complexKey = writeStackFile("dev");
        const text = readFileSync(complexKey, "utf8");
        complexKeyLine = text.split("\n").length;
        writeFileSync(complexKey, `${text}  ? [a, b]\n  : c\n`);
        cases = {
            dev: [],
            devJson: ["--stack", "dev", "--json"],
            prod: ["--stack", "prod"],
            sharedSessions: ["--file", unacknowledged],
            invalid: ["--file", invalid],
            invalidJson: ["--file", invalid, "--json"],
            unknownFlag: ["--stack", "dev", "--verbose"],
            missingFile: ["--file", "stacks/Pulumi.nowhere.yaml"],
            both: ["--stack", "dev", "--file", stackFilePath("dev")],
            help: ["--help"],
            helpShort: ["-h", "--stack", "dev"],
            directory: ["--file", "stacks"],
            directoryBase: ["--stack", "dev", "--base", "stacks"],
            mistyped: ["--fiel", stackFilePath("dev")],
            usageJson: ["--json", "--verbose"],
            equalsForm: [`--file=${stackFilePath("dev")}`, "--json"],
            helpJson: ["--help", "--json"],
            invalidBase: ["--stack", "dev", "--base", invalid],
            absoluteBase: ["--file", stackFilePath("dev"), "--base", stackFilePath("dev"), "--json"],
            yamlLevel: ["--file", yamlLevel],
            complexKey: ["--file", complexKey, "--json"],
        };
        // In this process, one after the other (the render's mocks are global): a child process per
        // case cost a Node start and an SDK load each, and a mutation run pays that for every mutant.
        for (const [name, args] of Object.entries(cases)) runs[name] = await runMain(args);
    });

    it("runs the same as a process: output and exit code of a valid, an invalid and a mistyped command", async () => {
        const asProcess = await Promise.all([runProcess([]), runProcess(cases.invalid), runProcess(cases.unknownFlag)]);
        const timing = (text: string) => text.replace(/Rendered in \d+ ms/, "Rendered in N ms");
        assert.deepEqual(
            asProcess.map((r) => [r.code, timing(r.stdout), r.stderr]),
            [runs.dev, runs.invalid, runs.unknownFlag].map((r) => [r.code, timing(r.stdout), r.stderr]),
        );
        assert.deepEqual(
            asProcess.map((r) => r.code),
            [0, 1, 2],
        );
    });

    it("exits 0 on a valid stack without mandatory violations, and prints the platform", () => {
        const { code, stdout, stderr } = runs.dev;
        assert.equal(code, 0, stderr);
        assert.equal(stderr, "");
        assert.match(stdout, /Mode shared-memory, NocoBase 2\.2\.15/);
        assert.match(stdout, /crm\s+local\s+database crm\s+-\s+with-main\s+running/);
        assert.match(stdout, /sandbox\s+local\s+schema nocobase_tenants\.sandbox\s+-\s+first-visit\s+stopped/);
        assert.match(stdout, /3\s+pulumi-nodejs:dynamic\/nocobase:App/);
    });

    it("prints one JSON document with --json", () => {
        assert.equal(runs.devJson.code, 0, runs.devJson.stderr);
        const doc = JSON.parse(runs.devJson.stdout);
        assert.equal(doc.valid, true);
        assert.deepEqual(
            doc.apps.map((a: { id: string }) => a.id),
            ["crm", "helpdesk", "sandbox"],
        );
        assert.deepEqual(doc.environments, [{ name: "local", runtime: "local", runtimeType: "docker", apps: 3 }]);
        assert.equal(doc.resources.byType["postgresql:index/schema:Schema"], 2);
        assert.deepEqual(doc.policies, { mandatory: [], advisory: [] });
    });

    it("exits 0 on the production sample, whose one shared-session app says so", () => {
        assert.equal(runs.prod.code, 0, runs.prod.stderr);
        assert.match(runs.prod.stdout, /Policy violations: 0 mandatory, 0 advisory/);
    });

    it("exits 1 on a mandatory violation, with `<policy>: <message>` on stderr", () => {
        assert.equal(runs.sharedSessions.code, 1);
        assert.match(
            runs.sharedSessions.stderr,
            /^no-shared-jwt-secret-in-production: app demo shares the entry app's JWT secret/m,
        );
        assert.match(
            runs.sharedSessions.stdout,
            /\[mandatory\] no-shared-jwt-secret-in-production/,
            "the plan itself is still printed",
        );
    });

    it("exits 1 on an invalid stack file, with `<key path>: <message>` on stderr and nothing rendered", () => {
        assert.equal(runs.invalid.code, 1);
        assert.equal(runs.invalid.stdout, "");
        assert.deepEqual(runs.invalid.stderr.trim().split("\n"), [
            'apps[0].id: must match ^[a-z][a-z0-9_]{0,62}$, got "Main"',
            'apps[1].database.mode: expected one of database, schema, connection, got "graph"',
        ]);
        const doc = JSON.parse(runs.invalidJson.stdout);
        assert.equal(runs.invalidJson.code, 1);
        assert.deepEqual([doc.valid, doc.problems.length], [false, 2]);
        // An invalid base is named as the base's.
        assert.equal(runs.invalidBase.code, 1);
        assert.deepEqual(runs.invalidBase.stderr.trim().split("\n"), [
            'base apps[0].id: must match ^[a-z][a-z0-9_]{0,62}$, got "Main"',
            'base apps[1].database.mode: expected one of database, schema, connection, got "graph"',
        ]);
    });

    it("names the files it read relative to the working directory, however they were given", () => {
        assert.equal(runs.absoluteBase.code, 0, runs.absoluteBase.stderr);
        const doc = JSON.parse(runs.absoluteBase.stdout);
        assert.deepEqual([doc.file, doc.diff.base.file], ["stacks/Pulumi.dev.yaml", "stacks/Pulumi.dev.yaml"]);
    });

    it("exits 2 on usage errors", () => {
        for (const [name, pattern] of [
            ["unknownFlag", /unknown argument --verbose/],
            ["missingFile", /no such file: stacks\/Pulumi\.nowhere\.yaml/],
            ["both", /either --stack or --file, not both/],
            ["directory", /--file stacks: not a file/],
            ["directoryBase", /--base stacks: not a file/],
            ["mistyped", /unknown argument --fiel \(did you mean --file\?\)/],
        ] as const) {
            assert.equal(runs[name].code, 2, name);
            assert.match(runs[name].stderr, pattern, name);
            assert.match(runs[name].stderr, /usage: npm run plan/, name);
            assert.equal(runs[name].stdout, "", `${name}: a JSON document only with --json`);
        }
    });

    it("prints its usage for --help and -h, and exits 0", () => {
        for (const name of ["help", "helpShort"]) {
            assert.equal(runs[name].code, 0, name);
            assert.match(runs[name].stdout, /^usage: npm run plan/, name);
            assert.equal(runs[name].stderr, "", name);
        }
        assert.equal(runs.helpJson.code, 0);
        assert.deepEqual(JSON.parse(runs.helpJson.stdout), { usage: runs.help.stdout.trim() });
    });

    it("prints one JSON document with --json in every case, usage errors included", () => {
        assert.equal(runs.usageJson.code, 2);
        const usage = JSON.parse(runs.usageJson.stdout);
        assert.deepEqual([usage.valid, usage.problems], [false, ["unknown argument --verbose"]]);
        assert.equal(runs.equalsForm.code, 0, runs.equalsForm.stderr);
        assert.equal(JSON.parse(runs.equalsForm.stdout).valid, true, "--file=PATH reads as --file PATH");
        assert.equal(runs.complexKey.code, 1);
        assert.deepEqual(JSON.parse(runs.complexKey.stdout).problems, [
            `line ${complexKeyLine}: a key must be a plain value, not a list or mapping (complex key)`,
        ]);
    });

    it("reads the file as the CLI does, and writes nothing to stderr but its key-path lines", () => {
        assert.equal(runs.yamlLevel.code, 1);
        assert.deepEqual(runs.yamlLevel.stderr.trim().split("\n"), [
            "postgres.port: expected a finite number, got .inf (which no config value can hold)",
            "nocobase-platfrom:entry: unknown namespace (did you mean nocobase-platform:entry?)",
        ]);
    });
});
