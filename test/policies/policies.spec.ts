/**
 * Every policy of the pack, run the way the policy SDK runs it (cli/harness/policyRun.ts), over the sample
 * stacks rendered by the real program: each one quiet on the samples and firing on an edited
 * stack file, or, where validation would refuse the edit, on edited registrations.
 */
import * as assert from "node:assert/strict";
import { PolicyFinding, runPolicies } from "../../cli/harness/policyRun";
import { Registration, Rendered, SecretValue } from "../../cli/harness/render";
import { SECRET_MARKS_POLICY, checkSecretMarks } from "../../cli/plan/secretMarks";
import { policies } from "../../policies/policies";
import { appOf, renderStack, withRegistration } from "../support/planStacks";
import { adoptEntry } from "../support/stacks";

const run = (registrations: Registration[], options?: Parameters<typeof runPolicies>[2]) =>
    runPolicies(policies, registrations, options);
const named = (findings: PolicyFinding[], policy: string) => findings.filter((f) => f.policy === policy);
const resourceOf = (f: PolicyFinding) => f.urn?.split("::").pop();

/** A Docker container's `NAME=value` list after `edit`, still secret as the program makes it. */
function editEnvs(edit: (envs: string[]) => string[]) {
    return (r: Registration) => {
        const envs = r.inputs.envs as SecretValue;
        r.inputs.envs = new SecretValue(edit(envs.value as string[]));
    };
}

/** The first container of a rendered Deployment. */
function container(r: Registration): Record<string, any> {
    return (r.inputs.spec as any).template.spec.containers[0];
}

describe("policy pack on rendered stacks", function () {
    this.timeout(60_000);
    const samples: Record<string, Rendered> = {};
    before(async () => {
        for (const stack of ["dev", "staging", "prod"]) samples[stack] = await renderStack(stack);
    });

    /** A Kubernetes resource added to prod beside its entry Deployment, under the same parent and provider. */
    const besideEntry = (type: string, name: string, inputs: Record<string, unknown>): Registration => {
        const base = samples.prod.registrations.find((r) => r.name === "platform-entry-workload-deployment")!;
        return { ...base, name, type, urn: base.urn.replace(`${base.type}::${base.name}`, `${type}::${name}`), inputs };
    };

    it("leaves the three sample stacks without findings", async () => {
        for (const stack of ["dev", "staging", "prod"])
            assert.deepEqual(await run(samples[stack].registrations), [], stack);
    });

    it("leaves the sample stacks without findings when they adopt their entry app", async () => {
        for (const stack of ["dev", "staging", "prod"]) {
            const adopted = await renderStack(stack, adoptEntry("https://nocobase.example.com"));
            assert.ok(
                adopted.registrations.some((r) => r.name === "platform-entry-external"),
                stack,
            );
            assert.deepEqual(await run(adopted.registrations), [], stack);
        }
    });

    describe("nocobase-names-valid-unique", () => {
        const policy = "nocobase-names-valid-unique";
        it("reports an app id used twice, at the second app", async () => {
            const regs = withRegistration(
                samples.staging.registrations,
                "platform-app-wiki-registration",
                (r) => (r.inputs.appId = "crm"),
            );
            const found = named(await run(regs), policy);
            assert.deepEqual(found.map(resourceOf), ["platform-app-wiki-registration"]);
            assert.match(found[0].message, /app id "crm" is already used/);
        });
        it("reports the reserved id main and an invalid domain", async () => {
            let regs = withRegistration(
                samples.prod.registrations,
                "platform-app-acme-registration",
                (r) => (r.inputs.appId = "main"),
            );
            regs = withRegistration(
                regs,
                "platform-app-globex-registration",
                (r) => (r.inputs.cname = "Globex.Example.com"),
            );
            const messages = named(await run(regs), policy).map((f) => f.message);
            assert.equal(messages.length, 2);
            assert.match(messages[0], /"main" is reserved/);
            assert.match(messages[1], /not a lower-case host name/);
        });
        it("reports a duplicate domain and an app on an environment the stack does not deploy", async () => {
            let regs = withRegistration(
                samples.prod.registrations,
                "platform-app-hooli-registration",
                (r) => (r.inputs.cname = "acme.apps.example.com"),
            );
            regs = withRegistration(regs, "platform-app-stark-registration", (r) => (r.inputs.environment = "us_2"));
            const messages = named(await run(regs), policy).map((f) => f.message);
            assert.deepEqual(messages.length, 2);
            assert.ok(messages.some((m) => /domain "acme.apps.example.com" is already used/.test(m)));
            assert.ok(messages.some((m) => /environment "us_2", which the stack does not deploy/.test(m)));
        });
        it("reports an app id that is not one, at its app", async () => {
            const regs = withRegistration(
                samples.staging.registrations,
                "platform-app-wiki-registration",
                (r) => (r.inputs.appId = "Wiki-1"),
            );
            assert.deepEqual(
                named(await run(regs), policy).map((f) => [resourceOf(f), f.message]),
                [["platform-app-wiki-registration", 'app id "Wiki-1" must match ^[a-z][a-z0-9_]{0,62}$']],
            );
        });
        it("reports a worker's environment name that is invalid, taken or missing, and the apps left without one", async () => {
            const renamed = (from: string, to: string | undefined) =>
                withRegistration(
                    samples.staging.registrations,
                    `platform-env-${from}-workload-container`,
                    editEnvs((envs) =>
                        envs.flatMap((e) =>
                            e.startsWith("ENVIRONMENT_NAME=")
                                ? to === undefined
                                    ? []
                                    : [`ENVIRONMENT_NAME=${to}`]
                                : [e],
                        ),
                    ),
                );
            const messages = async (regs: Registration[]) => named(await run(regs), policy).map((f) => f.message);
            const unknown = (app: string, env: string, known: string) =>
                `app ${app} runs on environment "${env}", which the stack does not deploy (${known})`;
            assert.deepEqual(await messages(renamed("env_a", "env-A")), [
                'environment name "env-A" must match ^[a-z][a-z0-9_]*$',
                unknown("crm", "env_a", "env-A, env_b"),
                unknown("billing", "env_a", "env-A, env_b"),
            ]);
            const first = samples.staging.registrations.find(
                (r) => r.name === "platform-env-env_a-workload-container",
            )!;
            assert.deepEqual(await messages(renamed("env_b", "env_a")), [
                `environment name "env_a" is already used by ${first.urn}`,
                unknown("helpdesk", "env_b", "env_a"),
                unknown("wiki", "env_b", "env_a"),
            ]);
            assert.deepEqual(
                (await messages(renamed("env_b", undefined)))[0],
                'environment name "" must match ^[a-z][a-z0-9_]*$',
            );
        });
        it("reports a PostgreSQL name that is no identifier, naming its kind", async () => {
            let regs = withRegistration(
                samples.staging.registrations,
                "platform-app-crm-db-role",
                (r) => (r.inputs.name = "crm-app"),
            );
            regs = withRegistration(regs, "platform-app-wiki-db-schema", (r) => (r.inputs.name = "Wiki"));
            regs = withRegistration(regs, "platform-app-helpdesk-db-database", (r) => (r.inputs.name = 7));
            assert.deepEqual(
                named(await run(regs), policy).map((f) => [resourceOf(f), f.message]),
                [
                    [
                        "platform-app-crm-db-role",
                        'role name "crm-app" must be a PostgreSQL identifier (^[a-z_][a-z0-9_]{0,62}$)',
                    ],
                    [
                        "platform-app-helpdesk-db-database",
                        "database name 7 must be a PostgreSQL identifier (^[a-z_][a-z0-9_]{0,62}$)",
                    ],
                    [
                        "platform-app-wiki-db-schema",
                        'schema name "Wiki" must be a PostgreSQL identifier (^[a-z_][a-z0-9_]{0,62}$)',
                    ],
                ],
            );
        });
        it("reports a schema claimed twice in one database, not the same name in two databases or kinds", async () => {
            const twice = withRegistration(
                samples.staging.registrations,
                "platform-app-wiki-db-schema",
                (r) => (r.inputs.name = "billing"),
            );
            const billing = samples.staging.registrations.find((r) => r.name === "platform-app-billing-db-schema")!;
            assert.deepEqual(
                named(await run(twice), policy).map((f) => [resourceOf(f), f.message]),
                [
                    [
                        "platform-app-wiki-db-schema",
                        `schema "nocobase_tenants.billing" is already used by ${billing.urn}`,
                    ],
                ],
            );
            // A schema "crm" in the tenants' database beside a database "crm" and a role "crm".
            const elsewhere = withRegistration(
                samples.staging.registrations,
                "platform-app-wiki-db-schema",
                (r) => (r.inputs.name = "crm"),
            );
            assert.deepEqual(named(await run(elsewhere), policy), []);
        });
        it("reports a database name claimed twice on one server", async () => {
            const regs = withRegistration(
                samples.dev.registrations,
                "platform-app-crm-db-database",
                (r) => (r.inputs.name = "nocobase_tenants"),
            );
            assert.deepEqual(named(await run(regs), policy).map(resourceOf), ["platform-app-crm-db-database"]);
        });
    });

    describe("tenant-data-protected", () => {
        const policy = "tenant-data-protected";
        it("reports a tenant database and schema that are not protected", async () => {
            let regs = withRegistration(
                samples.dev.registrations,
                "platform-app-crm-db-database",
                (r) => (r.protect = false),
            );
            regs = withRegistration(regs, "platform-app-helpdesk-db-schema", (r) => (r.protect = false));
            assert.deepEqual(
                named(await run(regs), policy).map((f) => [resourceOf(f), f.message]),
                [
                    [
                        "platform-app-crm-db-database",
                        'Database "crm" holds tenant data and must be protected (protect: true)',
                    ],
                    [
                        "platform-app-helpdesk-db-schema",
                        'Schema "helpdesk" holds tenant data and must be protected (protect: true)',
                    ],
                ],
            );
        });
        it("accepts the unprotected storage of an app being decommissioned (its data is dumped first)", async () => {
            const rendered = await renderStack("dev", (c) => {
                appOf(c, "crm").state = "decommissioned";
                c.backups = { location: "./backups" };
            });
            const crmDatabase = rendered.registrations.find((r) => r.name === "platform-app-crm-db-database")!;
            assert.equal(crmDatabase.protect, false, "the program unprotects a decommissioned app's storage");
            assert.deepEqual(named(await run(rendered.registrations), policy), []);
        });
    });

    describe("nocobase-image-pinned and nocobase-same-version", () => {
        it("reports a pre-release version on every NocoBase image, on Docker and on Kubernetes", async () => {
            // Validation refuses a pre-release at platform.nocobaseVersion: the images are retagged
            // after the render, as a change of the program could.
            const retag = (regs: Registration[]) =>
                regs.reduce(
                    (edited, r) =>
                        JSON.stringify(r.inputs).includes('"nocobase/nocobase:2.2.15"')
                            ? withRegistration(
                                  edited,
                                  r.name,
                                  (clone) => (clone.inputs = retagged(clone.inputs) as Record<string, unknown>),
                              )
                            : edited,
                    regs,
                );
            const retagged = (value: unknown): unknown =>
                value === "nocobase/nocobase:2.2.15"
                    ? "nocobase/nocobase:2.3.0-beta.2"
                    : Array.isArray(value)
                      ? value.map(retagged)
                      : value instanceof SecretValue || typeof value !== "object" || value === null
                        ? value
                        : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, retagged(v)]));
            const staging = named(await run(retag(samples.staging.registrations)), "nocobase-image-pinned");
            assert.deepEqual(staging.map(resourceOf).sort(), [
                "platform-entry-workload-image",
                "platform-env-env_a-workload-image",
                "platform-env-env_b-workload-image",
            ]);
            const prod = named(await run(retag(samples.prod.registrations)), "nocobase-image-pinned");
            assert.equal(prod.length, 4, "entry and three workers");
            assert.match(prod[0].message, /tag 2.3.0-beta.2 is not a pinned release/);
        });
        it("reports a NocoBase image without a tag, and leaves other images alone", async () => {
            let regs = withRegistration(
                samples.dev.registrations,
                "platform-entry-workload-image",
                (r) => (r.inputs.name = "nocobase/nocobase"),
            );
            regs = withRegistration(regs, "platform-postgres-image", (r) => (r.inputs.name = "postgres:latest"));
            const found = named(await run(regs), "nocobase-image-pinned");
            assert.deepEqual(found.map(resourceOf), ["platform-entry-workload-image"]);
            assert.match(found[0].message, /has no tag/);
        });
        it("reports the one worker that runs another version than the rest", async () => {
            const regs = withRegistration(
                samples.staging.registrations,
                "platform-env-env_b-workload-image",
                (r) => (r.inputs.name = "nocobase/nocobase:2.2.14"),
            );
            const found = named(await run(regs), "nocobase-same-version");
            assert.deepEqual(found.map(resourceOf), ["platform-env-env_b-workload-container"]);
            assert.match(
                found[0].message,
                /runs nocobase\/nocobase:2.2.14, but the other NocoBase processes run nocobase\/nocobase:2.2.15/,
            );
        });
        it("names the version most processes run, also when the odd one out is the first", async () => {
            const regs = withRegistration(
                samples.staging.registrations,
                "platform-env-env_a-workload-image",
                (r) => (r.inputs.name = "nocobase/nocobase:2.2.14"),
            );
            assert.deepEqual(
                named(await run(regs), "nocobase-same-version").map((f) => [resourceOf(f), f.message]),
                [
                    [
                        "platform-env-env_a-workload-container",
                        "runs nocobase/nocobase:2.2.14, but the other NocoBase processes run nocobase/nocobase:2.2.15",
                    ],
                ],
            );
        });
        it("checks a Job's NocoBase image and plain variables, but counts no Job as a NocoBase process", async () => {
            const job = besideEntry("kubernetes:batch/v1:Job", "platform-migrate", {
                spec: {
                    template: {
                        spec: {
                            containers: [
                                {
                                    name: "migrate",
                                    image: "nocobase/nocobase:latest",
                                    env: [{ name: "DB_PASSWORD", value: "hunter2" }],
                                },
                            ],
                        },
                    },
                },
            });
            const found = await run([...samples.prod.registrations, job]);
            assert.deepEqual(
                found.map((f) => [f.policy, resourceOf(f), f.message]),
                [
                    [
                        "nocobase-image-pinned",
                        "platform-migrate",
                        "image nocobase/nocobase:latest: tag latest is not a pinned release like 2.2.15",
                    ],
                    [
                        "no-plaintext-secrets",
                        "platform-migrate",
                        "container migrate sets DB_PASSWORD as a plain value; load it from a Secret (envFrom or valueFrom.secretKeyRef)",
                    ],
                ],
                "a Job of another version is no process of the platform: nocobase-same-version stays quiet",
            );
        });
    });

    describe("no-shared-jwt-secret-in-production", () => {
        const policy = "no-shared-jwt-secret-in-production";
        it("flags prod's demo when it stops acknowledging shared sessions, unless the pack's config lists it", async () => {
            const unacknowledged = await renderStack("prod", (c) => delete appOf(c, "demo").acknowledgeSharedSessions);
            assert.deepEqual(named(await run(unacknowledged.registrations), policy).map(resourceOf), [
                "platform-app-demo-registration",
            ]);
            const config = { [policy]: { allowSharedJwtSecret: ["demo"] } };
            assert.deepEqual(named(await run(unacknowledged.registrations, { config }), policy), []);
        });
        it("ignores sharing outside production, and catches it when a stack tag marks production", async () => {
            const shared = await renderStack("staging", (c) => (appOf(c, "billing").jwtSecret = "shared"));
            assert.deepEqual(named(await run(shared.registrations), policy), []);
            const tagged = await run(shared.registrations, { stackTags: new Map([["environment", "production"]]) });
            assert.deepEqual(named(tagged, policy).map(resourceOf), ["platform-app-billing-registration"]);
        });
        it("follows the configured production stack names", async () => {
            const shared = await renderStack("staging", (c) => (appOf(c, "billing").jwtSecret = "shared"));
            const config = { [policy]: { productionStacks: ["staging"] } };
            assert.equal(named(await run(shared.registrations, { config }), policy).length, 1);
        });
    });

    describe("no-plaintext-secrets (pack) and secret-values-marked (plan)", () => {
        it("reports a Kubernetes container that sets a password or a Redis URL with credentials as a plain value", async () => {
            const regs = withRegistration(samples.prod.registrations, "platform-env-eu_1-workload-deployment", (r) => {
                container(r).env.push(
                    { name: "DB_PASSWORD", value: "hunter2" },
                    { name: "APP_COMMAND_REDIS_URL", value: "redis://:pw@redis:6379" },
                );
            });
            const messages = named(await run(regs), "no-plaintext-secrets").map((f) => f.message);
            assert.deepEqual(
                messages,
                ["DB_PASSWORD", "APP_COMMAND_REDIS_URL"].map(
                    (name) =>
                        `container nocobase sets ${name} as a plain value; load it from a Secret (envFrom or valueFrom.secretKeyRef)`,
                ),
            );
        });
        it("reports a ConfigMap key that holds a secret, and a ConfigMap without data not at all", async () => {
            const configMap = (name: string, data?: Record<string, string>) =>
                besideEntry("kubernetes:core/v1:ConfigMap", name, data ? { data } : {});
            const found = named(
                await run([
                    ...samples.prod.registrations,
                    configMap("platform-settings", { TZ: "UTC", DB_PASSWORD: "hunter2" }),
                    configMap("platform-empty"),
                    // A Secret is where such a key belongs.
                    besideEntry("kubernetes:core/v1:Secret", "platform-secret", {
                        data: { DB_PASSWORD: Buffer.from("hunter2").toString("base64") },
                    }),
                ]),
                "no-plaintext-secrets",
            );
            assert.deepEqual(
                found.map((f) => [resourceOf(f), f.message]),
                [["platform-settings", "ConfigMap key DB_PASSWORD holds a secret; use a Secret"]],
            );
        });
        it("accepts a Redis URL without credentials as a plain value", async () => {
            const regs = withRegistration(samples.prod.registrations, "platform-env-eu_1-workload-deployment", (r) => {
                container(r).env.push({ name: "APP_COMMAND_REDIS_URL", value: "redis://redis:6379" });
            });
            assert.deepEqual(named(await run(regs), "no-plaintext-secrets"), []);
        });
        it("finds no unmarked secret in the samples' inputs and outputs", () => {
            for (const stack of ["dev", "staging", "prod"])
                assert.deepEqual(checkSecretMarks(samples[stack]), [], stack);
        });
        it("reports a Docker env list and a role password that lost their secret mark, which the pack cannot see", async () => {
            let regs = withRegistration(
                samples.dev.registrations,
                "platform-entry-workload-container",
                (r) => (r.inputs.envs = (r.inputs.envs as SecretValue).value),
            );
            regs = withRegistration(
                regs,
                "platform-app-crm-db-role",
                (r) => (r.inputs.password = (r.inputs.password as SecretValue).value),
            );
            const found = checkSecretMarks({ ...samples.dev, registrations: regs });
            assert.ok(found.every((f) => f.policy === SECRET_MARKS_POLICY && f.enforcementLevel === "mandatory"));
            const where = found.map((f) => f.message.split(" holds")[0]);
            for (const name of ["APP_KEY", "DB_PASSWORD", "INIT_ROOT_PASSWORD", "APP_AES_SECRET_KEY"])
                assert.ok(
                    where.some((w) => w.startsWith("platform-entry-workload-container") && w.endsWith(name)),
                    name,
                );
            assert.ok(where.includes("platform-app-crm-db-role: input password"));
            assert.deepEqual(
                named(await run(regs), "no-plaintext-secrets"),
                [],
                "props reach policies unwrapped either way",
            );
        });
        it("reports a stack output that is not secret but carries a password", () => {
            const databases = samples.dev.outputs.databases;
            const found = checkSecretMarks({
                ...samples.dev,
                outputs: { ...samples.dev.outputs, databases: { ...databases, secret: false } },
            });
            assert.ok(found.length > 0);
            assert.ok(found.every((f) => f.message.startsWith("stack output databases.tenants.")));
        });
    });

    describe("kubernetes-workload-health", () => {
        const policy = "kubernetes-workload-health";
        it("reports missing limits and a probe on another path", async () => {
            const regs = withRegistration(samples.prod.registrations, "platform-entry-workload-deployment", (r) => {
                const c = container(r);
                c.resources = { requests: c.resources.requests };
                c.readinessProbe.httpGet.path = "/";
            });
            const messages = named(await run(regs), policy).map((f) => f.message);
            assert.deepEqual(messages, [
                "container nocobase has no limits for cpu and memory",
                "container nocobase: readinessProbe must GET /api/__health_check, got /",
            ]);
        });
        it("reports a NocoBase container without a liveness probe", async () => {
            const regs = withRegistration(
                samples.prod.registrations,
                "platform-env-us_1-workload-deployment",
                (r) => delete container(r).livenessProbe,
            );
            assert.deepEqual(
                named(await run(regs), policy).map((f) => f.message),
                ["container nocobase: livenessProbe must GET /api/__health_check"],
            );
        });
        it("asks a sidecar for requests and limits, not for NocoBase's probes", async () => {
            const regs = withRegistration(samples.prod.registrations, "platform-entry-workload-deployment", (r) => {
                (r.inputs.spec as any).template.spec.containers.push(
                    { name: "log-shipper", image: "fluent/fluent-bit:3.1", resources: container(r).resources },
                    { name: "sidecar", image: "busybox:1.36", resources: { requests: { cpu: "10m" } } },
                );
            });
            assert.deepEqual(
                named(await run(regs), policy).map((f) => f.message),
                ["container sidecar has no requests for memory", "container sidecar has no limits for cpu and memory"],
            );
        });
    });

    describe("multi-environment-topology", () => {
        const policy = "multi-environment-topology";
        it("reports a supervisor without any worker", async () => {
            const regs = samples.staging.registrations.filter((r) => !r.name.startsWith("platform-env-"));
            const found = named(await run(regs), policy);
            assert.deepEqual(found.map(resourceOf), ["platform-entry-workload-container"]);
            assert.match(found[0].message, /runs no worker/);
        });
        it("reports a worker that is not given the Redis command channel", async () => {
            const regs = withRegistration(
                samples.staging.registrations,
                "platform-env-env_a-workload-container",
                editEnvs((envs) => envs.filter((e) => !e.startsWith("APP_COMMAND_REDIS_URL="))),
            );
            assert.deepEqual(
                named(await run(regs), policy).map((f) => f.message),
                [
                    "worker platform-env-env_a-workload-container has no APP_COMMAND_REDIS_URL: the supervisor and its workers talk through Redis",
                ],
            );
        });
        it("names every Redis variable a supervisor lacks", async () => {
            const regs = withRegistration(
                samples.staging.registrations,
                "platform-entry-workload-container",
                editEnvs((envs) => envs.filter((e) => !/^APP_(SUPERVISOR|COMMAND)_REDIS_URL=/.test(e))),
            );
            assert.deepEqual(
                named(await run(regs), policy).map((f) => f.message),
                [
                    "supervisor platform-entry-workload-container has no APP_SUPERVISOR_REDIS_URL, APP_COMMAND_REDIS_URL: the supervisor and its workers talk through Redis",
                ],
            );
        });
        it("reads Kubernetes workloads' Redis variables from their Secret", async () => {
            const regs = withRegistration(samples.prod.registrations, "platform-env-us_1-workload-env", (r) => {
                const data = (r.inputs.stringData as SecretValue).value as Record<string, string>;
                delete data.APP_SUPERVISOR_REDIS_URL;
            });
            assert.deepEqual(named(await run(regs), policy).map(resourceOf), ["platform-env-us_1-workload-deployment"]);
        });
    });

    describe("schema-mode-on-postgresql", () => {
        it("reports the schema-mode app of an environment whose process is not on PostgreSQL", async () => {
            const regs = withRegistration(
                samples.staging.registrations,
                "platform-env-env_b-workload-container",
                editEnvs((envs) => envs.map((e) => (e.startsWith("DB_DIALECT=") ? "DB_DIALECT=mysql" : e))),
            );
            const found = named(await run(regs), "schema-mode-on-postgresql");
            assert.deepEqual(
                found.map((f) => [resourceOf(f), f.message]),
                [
                    [
                        "platform-app-wiki-registration",
                        "app wiki uses schema wiki, but environment env_b runs on mysql; schema mode needs PostgreSQL",
                    ],
                ],
                "helpdesk, also on env_b, has its own database",
            );
        });
        it("in shared-memory mode, judges every app by the one process", async () => {
            const regs = withRegistration(
                samples.dev.registrations,
                "platform-entry-workload-container",
                editEnvs((envs) => envs.map((e) => (e.startsWith("DB_DIALECT=") ? "DB_DIALECT=mysql" : e))),
            );
            assert.deepEqual(named(await run(regs), "schema-mode-on-postgresql").map(resourceOf), [
                "platform-app-helpdesk-registration",
                "platform-app-sandbox-registration",
            ]);
        });
    });

    describe("apps-per-environment", () => {
        it("is advisory, and reports each environment over the configured cap", async () => {
            const found = await run(samples.staging.registrations, {
                config: { "apps-per-environment": { maxAppsPerEnvironment: 1 } },
            });
            assert.deepEqual(
                found.map((f) => [f.enforcementLevel, f.message]),
                [
                    ["advisory", "environment env_a hosts 2 apps, more than 1: all of them share one NocoBase process"],
                    ["advisory", "environment env_b hosts 2 apps, more than 1: all of them share one NocoBase process"],
                ],
            );
        });
        it("lets an environment hold exactly the cap, and reports the first app over it", async () => {
            // staging puts two apps on each environment.
            assert.deepEqual(
                await run(samples.staging.registrations, {
                    config: { "apps-per-environment": { maxAppsPerEnvironment: 2 } },
                }),
                [],
            );
            const over = await run(samples.staging.registrations, {
                config: { "apps-per-environment": { maxAppsPerEnvironment: 1 } },
            });
            const byEnvironment = new Map<string, string[]>();
            for (const r of samples.staging.registrations.filter(
                (x) => x.type === "pulumi-nodejs:dynamic/nocobase:App",
            )) {
                const env = r.inputs.environment as string;
                byEnvironment.set(env, [...(byEnvironment.get(env) ?? []), r.name]);
            }
            assert.ok(byEnvironment.size === 2, "staging has two environments with apps");
            assert.deepEqual(
                over.map(resourceOf),
                [...byEnvironment.values()].map((names) => names[1]),
            );
        });
        it("can be made mandatory by the pack's config", async () => {
            const found = await run(samples.staging.registrations, {
                config: { "apps-per-environment": { maxAppsPerEnvironment: 1, enforcementLevel: "mandatory" } },
            });
            assert.ok(found.length === 2 && found.every((f) => f.enforcementLevel === "mandatory"));
        });
    });
});
