/**
 * The prod shape under the real engine, against real Kubernetes API servers: the two clusters of
 * `.ci/kube.sh` (kube-apiserver, controller manager and scheduler of Kubernetes 1.36, with kwok in
 * place of kubelets), external PostgreSQL (the local server) and Redis on loopback. Every object
 * the program sends is validated by an API server, and every await of the Kubernetes provider
 * waits on status that the cluster's controllers (and kwok, for pods, volumes and the ingress
 * controller's address) really write. What the clusters hold is read back with plain HTTPS
 * requests (support/kube.ts), not through @pulumi/kubernetes.
 *
 * NocoBase cannot run inside these clusters, so the entry app's API (`entry.apiUrl`) is, for the
 * multi-environment stack, the fake App Supervisor of the contract tests and, for the
 * shared-memory stack, a real NocoBase on loopback. Both sit behind a sign-in relay: the program
 * signs in with the root password it generated (the one the entry Deployment's Secret holds); the
 * relay records it and signs in to the stand-in with the stand-in's own.
 */
import * as assert from "node:assert/strict";
import { LOCAL_NOCOBASE_ROOT, LocalNocoBase } from "../support/localNocoBase";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createHmac, createHash, pbkdf2Sync } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { plan } from "../../cli/plan";
import type { PlatformStatus } from "../../components/platform/status";
import { createSupervisorClient } from "../../components/supervisor";
import { ADMIN, FaultServer } from "../support/faultServer";
import { EngineStack, ROOT, previewSteps, skipAfterFirstFailure } from "./support/engine";
import { Cluster, kubeconfigPath, secretValues } from "./support/kube";
import { adminSql } from "../support/localPostgres";
import { dropDatabasesAndRoles, encrypted, localServer } from "./support/stackConfig";
import { HEALTH_CHECK_PATH } from "../../components/core/nocobase";

type Config = Record<string, any>;
type App = Record<string, any>;

const EU = "prod-eu";
const US = "prod-us";
const VERSION = "2.2.15";
const NEXT_VERSION = "2.2.16";

/** Whether `password` is the one PostgreSQL holds for `role` (its SCRAM-SHA-256 verifier). */
function isRolePassword(role: string, password: string): boolean {
    const verifier = adminSql("postgres", `SELECT rolpassword FROM pg_authid WHERE rolname = '${role}'`);
    const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
    if (!m) throw new Error(`${role}: no SCRAM verifier (${verifier.slice(0, 14)}...)`);
    const salted = pbkdf2Sync(password, Buffer.from(m[2], "base64"), Number(m[1]), 32, "sha256");
    const clientKey = createHmac("sha256", salted).update("Client Key").digest();
    return createHash("sha256").update(clientKey).digest("base64") === m[3];
}

/**
 * Relays every request to `target`; a sign-in is recorded, then made with `as` instead. The
 * program's root password is random, the stand-in's is its own.
 */
async function signInRelay(target: string, as: { account: string; password: string }) {
    const seen: Array<{ account: string; password: string }> = [];
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            let body = Buffer.concat(chunks);
            if (req.url?.startsWith("/api/auth:signIn")) {
                const sent = JSON.parse(body.toString("utf8"));
                seen.push({ account: sent.account, password: sent.password });
                body = Buffer.from(JSON.stringify({ ...sent, ...as }));
            }
            const url = new URL(req.url ?? "/", target);
            const headers = { ...req.headers, host: url.host, "content-length": String(body.length) };
            const out = http.request(url, { method: req.method, headers, timeout: 120_000 }, (answer) => {
                res.writeHead(answer.statusCode ?? 502, answer.headers);
                answer.pipe(res);
            });
            out.on("error", () => res.destroy());
            out.end(body);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
        url,
        seen,
        close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
    };
}

/** A runtime on one of the test clusters, with the IngressClass and ClusterIssuer kube.sh creates there. */
const clusterRuntime = (context: string, namespace: string) => ({
    type: "kubernetes",
    context,
    namespace,
    ingressClass: "nginx",
    clusterIssuer: "letsencrypt-prod",
});

const ns = (namespace: string) => `/api/v1/namespaces/${namespace}`;
const appsNs = (namespace: string) => `/apis/apps/v1/namespaces/${namespace}`;
const netNs = (namespace: string) => `/apis/networking.k8s.io/v1/namespaces/${namespace}`;

describe("the prod shape against real Kubernetes API servers", function () {
    let eu: Cluster;
    let us: Cluster;

    before(async function () {
        eu = new Cluster(EU);
        us = new Cluster(US);
        // Both API servers answer with the version the build stamped (the provider reads it): the
        // release the wrapper module requires.
        const gomod = readFileSync(path.join(ROOT, ".ci/toolchain/kube/kubernetes/go.mod"), "utf8");
        const version = /^\s*(?:require\s+)?k8s\.io\/kubernetes (v\S+)/m.exec(gomod)?.[1];
        assert.ok(version, "the wrapper requires k8s.io/kubernetes");
        for (const c of [eu, us]) assert.equal((await c.get("/version")).gitVersion, version);
    });

    describe("a multi-environment stack across two clusters", function () {
        const STACK = "kubetest";
        const PREFIX = `nocobase-${STACK}`;
        const NS = PREFIX;
        const ENTRY = `${PREFIX}-entry`;
        const worker = (env: string) => `${PREFIX}-env-${env.replace(/_/g, "-")}`;
        const TENANTS = "kt_tenants";
        const APPS: App[] = [
            {
                id: "kt_acme",
                displayName: "Acme Corp",
                environment: "eu_1",
                database: { mode: "database" },
                domain: "acme.kube.test",
            },
            {
                id: "kt_initech",
                displayName: "Initech",
                environment: "eu_1",
                database: { mode: "schema" },
                domain: "initech.kube.test",
            },
            { id: "kt_umbrella", displayName: "Umbrella", environment: "eu_2", database: { mode: "schema" } },
            {
                id: "kt_hooli",
                displayName: "Hooli",
                environment: "eu_2",
                database: { mode: "database" },
                domain: "hooli.kube.test",
                state: "stopped",
            },
            {
                id: "kt_stark",
                displayName: "Stark",
                environment: "us_1",
                database: { mode: "database" },
                domain: "stark.kube.test",
                startMode: "with-main",
            },
            { id: "kt_cyberdyne", displayName: "Cyberdyne", environment: "us_1", database: { mode: "schema" } },
        ];
        const ENVIRONMENTS = [
            { name: "eu_1", runtime: "eu" },
            { name: "eu_2", runtime: "eu", replicas: 2 },
            { name: "us_1", runtime: "us", url: "https://us-1.env.kube.test" },
        ];
        const DATABASES = [
            "kt_acme",
            "kt_hooli",
            "kt_stark",
            "kt_globex",
            TENANTS,
            "nocobase_main",
            "nocobase_env_eu_1",
            "nocobase_env_eu_2",
            "nocobase_env_us_1",
            // The connection-mode app's own database: made by the test, as its owners would, on the
            // local server, so that an upgrade can dump it as it dumps the platform's.
            "kt_wayne_ext",
        ];
        const ROLES = [
            ...DATABASES.filter((d) => d !== TENANTS && d !== "kt_wayne_ext"),
            "kt_wayne_app",
            "kt_initech",
            "kt_umbrella",
            "kt_cyberdyne",
            "nocobase_tenants_members",
        ];

        let stack: EngineStack;
        let fake: FaultServer;
        let relay: Awaited<ReturnType<typeof signInRelay>>;
        let base: Config;
        const suite = skipAfterFirstFailure(() => stack);
        const edited = (edit: (c: Config) => void): Config => {
            const c = structuredClone(base);
            edit(c);
            return c;
        };
        const clusterOf = (runtime: string) => (runtime === "eu" ? eu : us);
        /**
         * Makes `next` the stack's config: the engine's preview steps, which the offline plan of
         * the same edit must predict (the plan's Kubernetes replace rules against a real provider
         * and API server).
         */
        const editAndPreview = async (next: Config) => {
            const baseFile = path.join(stack.dir, "base.yaml");
            stack.writeConfig(base);
            writeFileSync(baseFile, readFileSync(stack.configFile, "utf8"));
            base = next;
            stack.writeConfig(base);
            const steps = previewSteps((await stack.preview(["--json"])).stdout);
            const predicted = await plan({ file: stack.configFile, stack: STACK, base: baseFile, json: true });
            assert.ok(predicted.ok, `plan failed: ${"problems" in predicted ? predicted.problems.join("; ") : ""}`);
            const planned = (predicted.ok ? (predicted.report.diff?.steps ?? []) : [])
                .map((x) => ({ urn: x.urn, op: x.op }))
                .sort((a, b) => a.urn.localeCompare(b.urn));
            assert.deepEqual(steps, planned, "the offline plan predicts the engine's steps");
            return steps;
        };

        before(async function () {
            for (const c of [eu, us]) await c.removeNamespace(NS);
            dropDatabasesAndRoles(DATABASES, ROLES);
            adminSql("postgres", "CREATE ROLE kt_wayne_app LOGIN");
            adminSql("postgres", "CREATE DATABASE kt_wayne_ext OWNER kt_wayne_app");
            fake = new FaultServer();
            await fake.start();
            fake.environments = ENVIRONMENTS.map((e) => ({ name: e.name, available: true }));
            relay = await signInRelay(fake.url, ADMIN);
            stack = new EngineStack(STACK);
            await stack.init({});
            const pgPassword = await encrypted(stack, "unused-with-trust-auth");
            const wayne = await encrypted(stack, "wayne-connection-password");
            base = {
                platform: { mode: "multi-environment", nocobaseVersion: VERSION, supervisor: "app-supervisor" },
                runtimes: {
                    eu: clusterRuntime(EU, NS),
                    us: clusterRuntime(US, NS),
                },
                postgres: localServer(pgPassword, TENANTS),
                redis: { url: "redis://127.0.0.1:6379" },
                entry: { runtime: "eu", domain: "apps.kube.test", replicas: 1, apiUrl: relay.url },
                environments: ENVIRONMENTS,
                apps: [
                    ...APPS,
                    {
                        id: "kt_wayne",
                        displayName: "Wayne",
                        environment: "us_1",
                        database: {
                            mode: "connection",
                            host: "127.0.0.1",
                            user: "kt_wayne_app",
                            database: "kt_wayne_ext",
                            password: wayne,
                        },
                        domain: "wayne.kube.test",
                    },
                ],
            };
            stack.writeConfig(base);
            stack.env.KUBECONFIG = kubeconfigPath();
        });

        after(async function () {
            if (!suite.kept() && stack) {
                await stack.destroyAll();
                stack.remove();
            }
            await relay?.close();
            await fake?.close();
            // The next stack of this suite shares the PostgreSQL server (and nocobase_main).
            for (const c of [eu, us]) await c.removeNamespace(NS);
            dropDatabasesAndRoles(DATABASES, ROLES);
        });

        it("1. pulumi up: every object accepted, every await done, the clusters hold what the README says", async () => {
            await stack.up();

            // Which Deployment runs where, with how many replicas.
            const expected: Record<string, { cluster: Cluster; replicas: number }> = {
                [ENTRY]: { cluster: eu, replicas: 1 },
            };
            for (const e of ENVIRONMENTS)
                expected[worker(e.name)] = { cluster: clusterOf(e.runtime), replicas: e.replicas ?? 1 };
            for (const c of [eu, us]) {
                const names = (await c.items(`${appsNs(NS)}/deployments`)).map((d) => d.metadata.name).sort();
                const wanted = Object.keys(expected)
                    .filter((n) => expected[n].cluster === c)
                    .sort();
                assert.deepEqual(names, wanted, `${c.context}: Deployments`);
            }

            const allSecretValues = new Set<string>();
            for (const [name, { cluster, replicas }] of Object.entries(expected)) {
                const d = await cluster.get(`${appsNs(NS)}/deployments/${name}`);
                assert.equal(d.spec.strategy.type, "Recreate", `${name}: two versions never run migrations at once`);
                assert.equal(d.spec.replicas, replicas, name);
                // Written by the controllers and kwok: the await saw this too.
                assert.equal(d.status.availableReplicas, replicas, `${name}: available`);
                const [container] = d.spec.template.spec.containers;
                assert.equal(container.image, `nocobase/nocobase:${VERSION}`);
                for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
                    assert.equal(container[probe]?.httpGet?.path, HEALTH_CHECK_PATH, `${name}: ${probe}`);
                }
                for (const r of ["cpu", "memory"]) {
                    assert.ok(
                        container.resources.requests?.[r] && container.resources.limits?.[r],
                        `${name}: ${r} request and limit`,
                    );
                }

                // The secret variables sit in the Secret the container takes, none in the Deployment.
                assert.deepEqual(container.envFrom, [{ secretRef: { name: `${name}-env` } }]);
                const secret = secretValues(await cluster.get(`${ns(NS)}/secrets/${name}-env`));
                for (const key of [
                    "APP_KEY",
                    "DB_PASSWORD",
                    "INIT_ROOT_PASSWORD",
                    "APP_AES_SECRET_KEY",
                    "APP_SUPERVISOR_REDIS_URL",
                ]) {
                    assert.ok(secret[key], `${name}: ${key} in its Secret`);
                }
                for (const [k, v] of Object.entries(secret)) if (!k.endsWith("_URL")) allSecretValues.add(v);
                const plain = Object.fromEntries(
                    (container.env ?? []).map((e: { name: string; value: string }) => [e.name, e.value]),
                );
                for (const key of Object.keys(secret)) assert.ok(!(key in plain), `${name}: ${key} also in plain env`);
                // The database password in the Secret is the one PostgreSQL holds for the role.
                assert.ok(
                    isRolePassword(plain.DB_USER, secret.DB_PASSWORD),
                    `${name}: DB_PASSWORD is ${plain.DB_USER}'s password`,
                );

                // Its Service has the ready pods as endpoints; its claim is bound.
                const svc = await cluster.get(`${ns(NS)}/services/${name}`);
                assert.equal(svc.spec.ports[0].port, 80);
                const endpoints = await cluster.get(`${ns(NS)}/endpoints/${name}`);
                const ready = (endpoints.subsets ?? []).flatMap((s: { addresses?: unknown[] }) => s.addresses ?? []);
                assert.equal(ready.length, replicas, `${name}: ready endpoints`);
                const claimName = d.spec.template.spec.volumes[0].persistentVolumeClaim.claimName;
                const pvc = await cluster.get(`${ns(NS)}/persistentvolumeclaims/${claimName}`);
                assert.equal(pvc.status.phase, "Bound", `${name}: claim bound`);
                assert.deepEqual(
                    pvc.spec.accessModes,
                    [replicas > 1 ? "ReadWriteMany" : "ReadWriteOnce"],
                    `${name}: access mode`,
                );
            }
            for (const v of Object.values(secretValues(await eu.get(`${ns(NS)}/secrets/${ENTRY}-env`))))
                assert.ok(v.length > 0);
            // Every node shares the AES key; the root password is the one the program signs in with.
            const entrySecret = secretValues(await eu.get(`${ns(NS)}/secrets/${ENTRY}-env`));
            for (const e of ENVIRONMENTS) {
                const s = secretValues(await clusterOf(e.runtime).get(`${ns(NS)}/secrets/${worker(e.name)}-env`));
                assert.equal(s.APP_AES_SECRET_KEY, entrySecret.APP_AES_SECRET_KEY, `${e.name}: the shared AES key`);
            }
            assert.ok(relay.seen.length > 0, "the program signed in to the entry app");
            for (const s of relay.seen)
                assert.deepEqual(s, { account: "admin@nocobase.com", password: entrySecret.INIT_ROOT_PASSWORD });

            // One Ingress, on the entry's cluster, routes the entry domain and every app domain to
            // the entry Service, with TLS for each host from the named issuer; the fake ingress
            // controller of class nginx gave it an address, so the provider's await completed.
            const domains = [
                "apps.kube.test",
                ...base.apps.filter((a: App) => a.domain).map((a: App) => a.domain),
            ].sort();
            assert.deepEqual(await us.items(`${netNs(NS)}/ingresses`), [], "no Ingress on prod-us");
            const ingresses = await eu.items(`${netNs(NS)}/ingresses`);
            assert.equal(ingresses.length, 1);
            const [ing] = ingresses;
            assert.equal(ing.metadata.name, ENTRY);
            assert.ok(
                await eu.find(`/apis/networking.k8s.io/v1/ingressclasses/${ing.spec.ingressClassName}`),
                "its IngressClass exists",
            );
            const issuer = ing.metadata.annotations["cert-manager.io/cluster-issuer"];
            assert.ok(
                await eu.find(`/apis/cert-manager.io/v1/clusterissuers/${issuer}`),
                `its ClusterIssuer ${issuer} exists`,
            );
            assert.deepEqual(ing.spec.rules.map((r: { host: string }) => r.host).sort(), domains);
            assert.deepEqual(ing.spec.tls.flatMap((t: { hosts: string[] }) => t.hosts).sort(), domains);
            for (const r of ing.spec.rules) assert.equal(r.http.paths[0].backend.service.name, ENTRY);
            assert.deepEqual(ing.status.loadBalancer.ingress, [{ ip: "127.0.0.1" }]);

            // Each app registered once with its environment; running ones started, the stopped one not.
            for (const a of base.apps as App[]) {
                const rows = fake.appsNamed(a.id);
                assert.equal(rows.length, 1, `${a.id}: one registration`);
                assert.deepEqual(rows[0].environments, [a.environment], `${a.id}: environment`);
                assert.equal(rows[0].status, a.state === "stopped" ? "initialized" : "running", `${a.id}: status`);
            }
            const status = await stack.output<PlatformStatus>("status");
            assert.equal(status.totals.apps, base.apps.length);
            for (const [id, app] of Object.entries(status.apps)) assert.equal(app.inSync, true, id);

            // Owners on the local server, as in the dev shape.
            assert.equal(
                adminSql("postgres", "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'kt_acme'"),
                "kt_acme",
            );
            assert.equal(
                adminSql(TENANTS, "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'kt_cyberdyne'"),
                "kt_cyberdyne",
            );
            // No secret value is in the Deployments' plain variables on either cluster.
            for (const c of [eu, us]) {
                const text = JSON.stringify(await c.items(`${appsNs(NS)}/deployments`));
                for (const v of allSecretValues)
                    assert.ok(!text.includes(v), `${c.context}: a secret value in a Deployment`);
            }
        });

        it("2. a second preview shows no change, and neither does one after pulumi refresh", async () => {
            await stack.preview(["--expect-no-changes"]);
            await stack.refresh();
            await stack.preview(["--expect-no-changes"]);
        });

        it("3a. adding an app with a domain adds its rule to the entry Ingress and replaces nothing", async () => {
            const steps = await editAndPreview(
                edited((c) =>
                    c.apps.push({
                        id: "kt_globex",
                        displayName: "Globex",
                        environment: "us_1",
                        database: { mode: "database" },
                        domain: "globex.kube.test",
                    }),
                ),
            );
            assert.deepEqual(
                steps.filter((s) => s.op !== "create"),
                [{ urn: steps.find((s) => s.urn.endsWith(`-ingress`))!.urn, op: "update" }],
                "only the entry Ingress is updated",
            );
            const uid = (await eu.get(`${appsNs(NS)}/deployments/${ENTRY}`)).metadata.uid;
            await stack.up();
            const ing = await eu.get(`${netNs(NS)}/ingresses/${ENTRY}`);
            assert.ok(
                ing.spec.rules.some((r: { host: string }) => r.host === "globex.kube.test"),
                "the new rule",
            );
            assert.ok(ing.spec.tls[0].hosts.includes("globex.kube.test"));
            assert.equal(
                (await eu.get(`${appsNs(NS)}/deployments/${ENTRY}`)).metadata.uid,
                uid,
                "the entry Deployment is the same object",
            );
            assert.equal(fake.appsNamed("kt_globex")[0]?.status, "running");
            await stack.preview(["--expect-no-changes"]);
        });

        it("3b. moving an app to an environment on the other cluster updates only its registration", async () => {
            const i = base.apps.findIndex((a: App) => a.id === "kt_acme");
            const steps = await editAndPreview(edited((c) => (c.apps[i].environment = "us_1")));
            assert.deepEqual(
                steps.map((s) => [s.op, s.urn.split("::").pop()]),
                [["update", "platform-app-kt_acme-registration"]],
            );
            await stack.up();
            assert.deepEqual(fake.appsNamed("kt_acme")[0].environments, ["us_1"]);
            assert.equal(
                (await stack.output<PlatformStatus>("status")).environments.us_1.apps,
                base.apps.filter((a: App) => a.environment === "us_1").length,
            );
        });

        it("3c. scaling an environment scales its Deployment on its cluster", async () => {
            const i = base.environments.findIndex((e: { name: string }) => e.name === "eu_2");
            const steps = await editAndPreview(edited((c) => (c.environments[i].replicas = 3)));
            assert.deepEqual(
                steps.map((s) => [s.op, s.urn.split("::").pop()]),
                [["update", "platform-env-eu_2-workload-deployment"]],
            );
            await stack.up();
            const d = await eu.get(`${appsNs(NS)}/deployments/${worker("eu_2")}`);
            assert.equal(d.spec.replicas, 3);
            assert.equal(d.status.availableReplicas, 3);
        });

        it("3d. scaling a one-replica environment to two gives it a shared claim; the old one stays, with its data", async () => {
            const i = base.environments.findIndex((e: { name: string }) => e.name === "eu_1");
            const name = worker("eu_1");
            const before = await eu.get(`${appsNs(NS)}/deployments/${name}`);
            const oldClaim = before.spec.template.spec.volumes[0].persistentVolumeClaim.claimName;
            const oldUid = (await eu.get(`${ns(NS)}/persistentvolumeclaims/${oldClaim}`)).metadata.uid;
            const steps = await editAndPreview(edited((c) => (c.environments[i].replicas = 2)));
            assert.deepEqual(
                steps.map((s) => [s.op, s.urn.split("::").pop()]),
                [
                    ["update", "platform-env-eu_1-workload-deployment"],
                    ["replace", "platform-env-eu_1-workload-storage"],
                ],
            );
            await stack.up();
            const d = await eu.get(`${appsNs(NS)}/deployments/${name}`);
            assert.equal(d.status.availableReplicas, 2);
            const claim = await eu.get(
                `${ns(NS)}/persistentvolumeclaims/${d.spec.template.spec.volumes[0].persistentVolumeClaim.claimName}`,
            );
            assert.deepEqual(claim.spec.accessModes, ["ReadWriteMany"]);
            assert.equal(claim.status.phase, "Bound");
            assert.notEqual(claim.metadata.uid, oldUid);
            // Retained on delete: the claim of one replica, and so its volume, is still there.
            assert.equal((await eu.get(`${ns(NS)}/persistentvolumeclaims/${oldClaim}`)).metadata.uid, oldUid);
            await stack.preview(["--expect-no-changes"]);
        });

        it("3e. a new NocoBase version rolls every Deployment to it in place (Recreate), storage untouched", async () => {
            // An upgrade dumps every database first, so it needs somewhere to put them.
            const backups = path.join(stack.dir, "backups");
            const steps = await editAndPreview(
                edited((c) => {
                    c.platform.nocobaseVersion = NEXT_VERSION;
                    c.backups = { location: backups };
                }),
            );
            const deployments = steps.filter((s) => s.urn.includes("Deployment"));
            assert.equal(deployments.length, 1 + ENVIRONMENTS.length);
            for (const s of deployments) assert.equal(s.op, "update", s.urn);
            assert.deepEqual(
                steps.filter((s) => /PersistentVolumeClaim|postgresql/.test(s.urn)),
                [],
                "no claim, database or role changes",
            );
            const claims = new Map<string, string>();
            for (const c of [eu, us])
                for (const p of await c.items(`${ns(NS)}/persistentvolumeclaims`))
                    claims.set(`${c.context}/${p.metadata.name}`, p.metadata.uid);
            await stack.up();
            for (const c of [eu, us]) {
                for (const d of await c.rolledOutDeployments(`${appsNs(NS)}/deployments`)) {
                    assert.equal(
                        d.spec.template.spec.containers[0].image,
                        `nocobase/nocobase:${NEXT_VERSION}`,
                        d.metadata.name,
                    );
                    assert.equal(
                        d.status.updatedReplicas,
                        d.spec.replicas,
                        `${d.metadata.name}: all pods of the new version`,
                    );
                    assert.equal(d.status.availableReplicas, d.spec.replicas);
                    // Recreate: the ReplicaSet of the new version runs every pod, each older one none.
                    const sets = (await c.items(`${appsNs(NS)}/replicasets`)).filter(
                        (s) => s.metadata.ownerReferences?.[0]?.name === d.metadata.name,
                    );
                    const image = (s: any) => s.spec.template.spec.containers[0].image;
                    const current = sets.filter((s) => image(s) === `nocobase/nocobase:${NEXT_VERSION}`);
                    assert.equal(current.length, 1, `${d.metadata.name}: one ReplicaSet of the new version`);
                    assert.equal(current[0].status.replicas, d.spec.replicas);
                    assert.ok(sets.length > 1, `${d.metadata.name}: the old version's ReplicaSet is kept`);
                    for (const s of sets)
                        if (s !== current[0])
                            assert.equal(s.status.replicas, 0, `${s.metadata.name}: scaled to nothing`);
                }
                for (const p of await c.items(`${ns(NS)}/persistentvolumeclaims`))
                    assert.equal(claims.get(`${c.context}/${p.metadata.name}`), p.metadata.uid);
            }
            // The dumps were taken: one per tenant that owns storage here, and the entry app's.
            const upgradeDirs = readdirSync(path.join(backups, STACK)).filter((d) =>
                d.startsWith(`upgrade-${VERSION}-${NEXT_VERSION}-`),
            );
            assert.equal(upgradeDirs.length, 1, "one upgrade backup");
            const manifest = JSON.parse(
                readFileSync(path.join(backups, STACK, upgradeDirs[0], "manifest.json"), "utf8"),
            );
            const dumped = JSON.stringify(manifest);
            for (const app of APPS.filter((a) => a.database.mode !== "connection"))
                assert.ok(dumped.includes(`app-${app.id}`), `${app.id} dumped before the upgrade`);
            assert.ok(dumped.includes("entry-nocobase_main"), "the entry app's database dumped");
            await stack.preview(["--expect-no-changes"]);
        });

        it("5. the policy pack runs inside the engine on this stack and passes", async () => {
            const r = await stack.preview(["--policy-pack", path.join(ROOT, "policies")]);
            assert.doesNotMatch(r.stdout, /mandatory/);
        });
    });

    describe("4. real registrations: a shared-memory stack on one cluster, its API a real NocoBase", function () {
        const STACK = "kubeshared";
        const PREFIX = `nocobase-${STACK}`;
        const NS = PREFIX;
        const TENANTS = "ks_tenants";
        const APPS: App[] = [
            {
                id: "ks_crm",
                displayName: "KS CRM",
                database: { mode: "database" },
                domain: "crm.shared.kube.test",
                startMode: "with-main",
            },
            { id: "ks_desk", displayName: "KS Desk", database: { mode: "schema" } },
        ];
        const DATABASES = ["ks_crm", TENANTS, "nocobase_main"];
        const ROLES = ["ks_crm", "ks_desk", "nocobase_main", "nocobase_tenants_members"];
        const ROOT_ACCOUNT = LOCAL_NOCOBASE_ROOT;
        const nocobase = new LocalNocoBase();
        let nocobaseUrl: string;
        let stack: EngineStack;
        let relay: Awaited<ReturnType<typeof signInRelay>>;

        before(async function () {
            nocobaseUrl = nocobase.start();
            await eu.removeNamespace(NS);
            const client = createSupervisorClient({
                baseUrl: nocobaseUrl,
                adapter: "applications",
                auth: ROOT_ACCOUNT,
            });
            for (const a of APPS) if (await client.get(a.id)) await client.destroy(a.id);
            dropDatabasesAndRoles(DATABASES, ROLES);
            relay = await signInRelay(nocobaseUrl, ROOT_ACCOUNT);
            stack = new EngineStack(STACK);
            await stack.init({});
            const pgPassword = await encrypted(stack, "unused-with-trust-auth");
            stack.writeConfig({
                platform: { mode: "shared-memory", nocobaseVersion: VERSION },
                runtimes: {
                    eu: clusterRuntime(EU, NS),
                },
                postgres: localServer(pgPassword, TENANTS),
                entry: { runtime: "eu", domain: "shared.kube.test", apiUrl: relay.url },
                apps: APPS,
            });
            stack.env.KUBECONFIG = kubeconfigPath();
        });

        after(async function () {
            if (stack && !process.env.KEEP_ENGINE_STACK) {
                await stack.destroyAll();
                stack.remove();
            }
            await relay?.close();
            await eu.removeNamespace(NS);
            if (nocobaseUrl) {
                const client = createSupervisorClient({
                    baseUrl: nocobaseUrl,
                    adapter: "applications",
                    auth: ROOT_ACCOUNT,
                });
                for (const a of APPS)
                    if (await client.get(a.id).catch(() => undefined))
                        await client.destroy(a.id).catch(() => undefined);
            }
            dropDatabasesAndRoles(DATABASES, ROLES);
            nocobase.release();
        });

        it("pulumi up registers and starts the apps in NocoBase, next to their objects on prod-eu", async () => {
            await stack.up();
            const client = createSupervisorClient({
                baseUrl: nocobaseUrl,
                adapter: "applications",
                auth: ROOT_ACCOUNT,
            });
            for (const a of APPS) {
                const record = await client.get(a.id);
                assert.ok(record, `${a.id} registered in NocoBase`);
                assert.equal(record.displayName, a.displayName);
                await client.waitForAppHealthy(a.id, 300_000);
            }
            const status = await stack.output<PlatformStatus>("status");
            for (const a of APPS) assert.equal(status.apps[a.id].observed, "running", a.id);

            const entry = `${PREFIX}-entry`;
            const d = await eu.get(`${appsNs(NS)}/deployments/${entry}`);
            assert.equal(d.status.availableReplicas, 1);
            const plain = Object.fromEntries(
                d.spec.template.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]),
            );
            assert.equal(plain.APPEND_PRESET_BUILT_IN_PLUGINS, "@nocobase/plugin-multi-app-manager");
            const secret = secretValues(await eu.get(`${ns(NS)}/secrets/${entry}-env`));
            for (const s of relay.seen)
                assert.deepEqual(s, { account: ROOT_ACCOUNT.account, password: secret.INIT_ROOT_PASSWORD });
            const ing = await eu.get(`${netNs(NS)}/ingresses/${entry}`);
            assert.deepEqual(ing.spec.rules.map((r: { host: string }) => r.host).sort(), [
                "crm.shared.kube.test",
                "shared.kube.test",
            ]);
            // The tenant's role owns the database NocoBase now writes into.
            assert.equal(
                adminSql("postgres", "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'ks_crm'"),
                "ks_crm",
            );
            assert.ok(
                Number(adminSql("ks_crm", "SELECT count(*) FROM pg_tables WHERE tableowner = 'ks_crm'")) > 0,
                "NocoBase created ks_crm's tables as ks_crm",
            );
            await stack.preview(["--expect-no-changes"]);
        });

        it("the policy pack runs inside the engine on this stack too", async () => {
            const r = await stack.preview(["--policy-pack", path.join(ROOT, "policies")]);
            assert.doesNotMatch(r.stdout, /mandatory/);
        });
    });
});
