/**
 * The plan's resource steps on registrations made here, a field at a time: which edit is an update
 * and which a replacement (the providers' rules, as `pulumi preview` shows them), which step puts
 * data at risk, and how a replacement reaches the resources that read its outputs.
 */
import * as assert from "node:assert/strict";
import { Registration, SecretValue } from "../../cli/harness/render";
import { resourceSteps } from "../../cli/plan/resourceSteps";
import { registration, urnOf } from "../support/registrations";

const DATABASE = "postgresql:index/database:Database";
const SCHEMA = "postgresql:index/schema:Schema";
const ROLE = "postgresql:index/role:Role";
const IMAGE = "docker:index/remoteImage:RemoteImage";
const CONTAINER = "docker:index/container:Container";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const RANDOM_STRING = "random:index/randomString:RandomString";

const urn = urnOf;
const reg = registration;

/** `op name [changed]`, and `!` for a step that puts data at risk. */
const show = (base: Registration[], next: Registration[]) =>
    resourceSteps(base, next).map(
        (s) => `${s.dataAtRisk ? "!" : ""}${s.op} ${s.name}${s.changed.length ? ` [${s.changed.join(", ")}]` : ""}`,
    );

/** A Deployment with a name, one label and the image of its pod template. */
const deployment = (name: string, label: string, image: string) =>
    reg(DEPLOYMENT, "d", { metadata: { name, labels: { x: label } }, spec: { template: { spec: { image } } } });

/** The image every dependent below reads; a new name replaces it. */
const image = (name: string) => reg(IMAGE, "img", { name });
const IMG = urn(IMAGE, "img");
/** A container on that image, and a sidecar that reads the container's outputs. */
const app = reg(CONTAINER, "app", { image: "id" }, { dependencies: [IMG] });
const sidecar = reg(CONTAINER, "sidecar", { image: "s" }, { dependencies: [urn(CONTAINER, "app")] });

describe("plan: resource steps", () => {
    const db = reg(DATABASE, "crm-db", { name: "crm", owner: "crm", lcCollate: "C" });

    it("shows nothing for identical inputs, and ignores the provider reference", () => {
        assert.deepEqual(show([db], [reg(DATABASE, "crm-db", { ...db.inputs, __provider: "p" })]), []);
    });

    it("creates what is new, without data at risk, and deletes what is gone, with its options as deployed", () => {
        assert.deepEqual(show([], [db]), ["create crm-db"]);
        const protectedDb = { ...db, protect: true, retainOnDelete: true };
        const [gone] = resourceSteps([protectedDb], []);
        assert.deepEqual([gone.op, gone.dataAtRisk, gone.protect, gone.retainOnDelete], ["delete", true, true, true]);
    });

    const EDITS: Array<[string, Registration, Registration, string[]]> = [
        [
            "renaming a database is an update",
            db,
            reg(DATABASE, "crm-db", { ...db.inputs, name: "crm2" }),
            ["update crm-db [name]"],
        ],
        [
            "another collation replaces the database",
            db,
            reg(DATABASE, "crm-db", { ...db.inputs, lcCollate: "en_US" }),
            ["!replace crm-db [lcCollate]"],
        ],
        [
            "a schema moved to another database is replaced",
            reg(SCHEMA, "s", { name: "wiki", database: "a" }),
            reg(SCHEMA, "s", { name: "wiki", database: "b" }),
            ["!replace s [database]"],
        ],
        [
            "a role's new password is an update",
            reg(ROLE, "r", { name: "crm", password: "a" }),
            reg(ROLE, "r", { name: "crm", password: "b" }),
            ["update r [password]"],
        ],
        [
            "a container's memory is an update, its image a replacement listed first",
            reg(CONTAINER, "c", { memory: 512, image: "a" }),
            reg(CONTAINER, "c", { memory: 1024, image: "b" }),
            ["replace c [image, memory]"],
        ],
        [
            "a container's memory alone is an update",
            reg(CONTAINER, "c", { memory: 512 }),
            reg(CONTAINER, "c", { memory: 1024 }),
            ["update c [memory]"],
        ],
        [
            "a Deployment renamed is replaced; its labels and pod template are updates, named at the rules' depth",
            deployment("a", "1", "a"),
            deployment("b", "2", "b"),
            ["replace d [metadata.name, metadata.labels, spec.template]"],
        ],
        [
            "a Deployment's labels and pod template alone are an update",
            deployment("a", "1", "a"),
            deployment("a", "2", "b"),
            ["update d [metadata.labels, spec.template]"],
        ],
        [
            "a type without a rule is updated",
            reg(RANDOM_STRING, "x", { length: 8 }),
            reg(RANDOM_STRING, "x", { length: 9 }),
            ["update x [length]"],
        ],
    ];
    for (const [what, before, after, expected] of EDITS)
        it(what, () => assert.deepEqual(show([before], [after]), expected));

    it("carries a replacement to what reads its outputs, through a chain, but never to what is new", () => {
        const note = reg(RANDOM_STRING, "note", { length: 8 }, { dependencies: [urn(CONTAINER, "sidecar")] });
        const fresh = reg(CONTAINER, "fresh", { image: "f" }, { dependencies: [IMG] });
        assert.deepEqual(show([image("a"), app, sidecar, note], [image("b"), app, sidecar, note, fresh]), [
            "replace img [name]",
            "create fresh",
            "replace app [outputs of img]",
            "replace sidecar [outputs of app]",
            "update note [outputs of sidecar]",
        ]);
    });

    it("keeps a replacement a replacement when it also reads a replaced resource's outputs", () => {
        const database = (lcCollate: string) =>
            reg(DATABASE, "db", { name: "crm", lcCollate }, { dependencies: [IMG] });
        assert.deepEqual(show([image("a"), database("C")], [image("b"), database("en_US")]), [
            "replace img [name]",
            "!replace db [lcCollate]",
        ]);
    });

    it("carries a replacement whatever the order of the registrations", () => {
        assert.deepEqual(show([sidecar, app, image("a")], [sidecar, app, image("b")]).sort(), [
            "replace app [outputs of img]",
            "replace img [name]",
            "replace sidecar [outputs of app]",
        ]);
    });

    it("compares a secret as one value, without looking inside its mark", () => {
        const secret = (password: string) =>
            reg("kubernetes:core/v1:Secret", "s", {
                metadata: { name: "s" },
                stringData: new SecretValue({ DB_PASSWORD: password }),
            });
        assert.deepEqual(show([secret("a")], [secret("b")]), ["update s [stringData]"]);
    });

    it("keeps a dependent's own changes, before the outputs it reads, and makes one step of both", () => {
        const tuned = (memory: number) => reg(CONTAINER, "app", { memory }, { dependencies: [IMG] });
        const role = (password: string) => reg(ROLE, "role", { password }, { dependencies: [IMG] });
        assert.deepEqual(show([image("a"), tuned(512), role("x")], [image("b"), tuned(1024), role("y")]), [
            "replace img [name]",
            "replace app [memory, outputs of img]",
            "update role [password]",
        ]);
    });
});

/**
 * The providers' replacement rules one input at a time, as the providers document them (ForceNew
 * in the PostgreSQL and Docker providers' schemas, Kubernetes' immutable fields, the app
 * provider's diff): written here, not read from the plan's table, so that an entry dropped from
 * that table, or one added, shows as a wrong step. `!` marks data at risk.
 */
describe("plan: each provider's replacement rules", () => {
    const CONTAINER_UPDATES = [
        "restart",
        "rm",
        "start",
        "wait",
        "waitTimeout",
        "attach",
        "logs",
        "mustRun",
        "maxRetryCount",
        "removeVolumes",
        "destroyGraceSeconds",
        "memory",
        "memoryReservation",
        "memorySwap",
        "cpuShares",
        "cpuSet",
        "cpuPeriod",
        "cpuQuota",
        "healthcheck",
        "init",
        "tmpfs",
    ];
    const K8S = ["kubernetes:core/v1:", "kubernetes:apps/v1:", "kubernetes:networking.k8s.io/v1:"];
    const RULES: Array<[type: string, replacing: string[], updating: string[]]> = [
        [DATABASE, ["template", "encoding", "lcCollate", "lcCtype"], ["name", "owner", "connectionLimit"]],
        [SCHEMA, ["database"], ["name", "owner"]],
        [ROLE, [], ["name", "password", "login"]],
        [
            "postgresql:index/grant:Grant",
            ["role", "database", "schema", "objectType", "objects", "columns", "withGrantOption"],
            ["privileges"],
        ],
        [CONTAINER, ["image", "name", "envs", "volumes", "networksAdvanced"], CONTAINER_UPDATES],
        ["docker:index/volume:Volume", ["name", "driver"], []],
        ["docker:index/network:Network", ["name", "driver"], []],
        [IMAGE, ["name", "platform", "build"], ["keepLocally"]],
        ["random:index/randomPassword:RandomPassword", ["length", "special"], []],
        ["random:index/randomId:RandomId", ["byteLength", "keepers"], []],
        [`${K8S[0]}Namespace`, ["metadata.name"], ["metadata.labels"]],
        [`${K8S[0]}Secret`, ["metadata.name", "metadata.namespace", "type"], ["data", "stringData"]],
        [`${K8S[0]}Service`, ["metadata.name", "metadata.namespace", "spec.clusterIP"], ["spec.ports"]],
        [
            `${K8S[0]}PersistentVolumeClaim`,
            [
                "metadata.name",
                "metadata.namespace",
                "spec.accessModes",
                "spec.storageClassName",
                "spec.volumeName",
                "spec.volumeMode",
                "spec.selector",
            ],
            ["spec.resources", "metadata.labels"],
        ],
        [DEPLOYMENT, ["metadata.name", "metadata.namespace", "spec.selector"], ["spec.replicas", "spec.template"]],
        [`${K8S[2]}Ingress`, ["metadata.name", "metadata.namespace"], ["spec.rules"]],
        ["pulumi-nodejs:dynamic/nocobase:App", ["appId"], ["displayName", "cname", "status", "options"]],
    ];
    const DATA_HOLDING = [DATABASE, SCHEMA, ROLE, "docker:index/volume:Volume", `${K8S[0]}PersistentVolumeClaim`];

    /** Inputs with `value` at a dotted path. */
    const at = (dotted: string, value: string): Record<string, unknown> =>
        dotted
            .split(".")
            .reverse()
            .reduce<Record<string, unknown> | string>((inner, key) => ({ [key]: inner }), value) as Record<
            string,
            unknown
        >;
    const edit = (type: string, dotted: string) =>
        show([reg(type, "r", at(dotted, "a"))], [reg(type, "r", at(dotted, "b"))]);
    const mark = (type: string) => (DATA_HOLDING.includes(type) ? "!" : "");

    for (const [type, replacing, updating] of RULES) {
        it(`${type}: ${replacing.join(", ") || "nothing"} replace it; ${updating.join(", ") || "nothing else"} update it`, () => {
            assert.deepEqual(
                [...replacing, ...updating].map((p) => edit(type, p)),
                [
                    ...replacing.map((p) => [`${mark(type)}replace r [${p}]`]),
                    ...updating.map((p) => [`update r [${p}]`]),
                ],
            );
        });
    }

    it("puts data at risk by deleting a database, schema, role, volume or claim, and by nothing else", () => {
        const deleted = RULES.map(([type]) => resourceSteps([reg(type, "r", {})], [])[0]);
        assert.deepEqual(
            deleted.filter((s) => s.dataAtRisk).map((s) => s.type),
            DATA_HOLDING,
        );
    });
});
