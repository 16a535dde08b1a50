/**
 * The entry application: NocoBase's main app, the control plane through which every app is
 * registered, started and stopped. In shared-memory mode it also hosts the apps; in
 * multi-environment mode it is the supervisor and proxies each app to its worker.
 */
import * as pulumi from "@pulumi/pulumi";
import { entryHostName } from "../platform/naming";
import { ENTRY_DATABASE } from "../core/identifiers";
import { NocoBaseInstanceArgs, createNocoBaseInstance } from "./instance";
import type { Workload } from "../runtimes/workload";
import { TYPES } from "../core/typeTokens";

export interface EntryAppArgs extends NocoBaseInstanceArgs {
    /** Host names routed to the entry app: its own domain and every app's custom domain. */
    domains: string[];
}

export class EntryApp extends pulumi.ComponentResource {
    /** Public URL; each app's admin UI is at `<url>/apps/<id>/admin/`. */
    readonly url: string;
    /** Where `pulumi up` reaches the API. */
    readonly apiUrl: string;
    readonly workload: Workload;

    constructor(name: string, args: EntryAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TYPES.entryApp, name, {}, opts);
        const { config } = args;
        this.workload = createNocoBaseInstance(this, name, args, {
            database: ENTRY_DATABASE,
            role: { kind: "entry" },
            hostName: entryHostName(args.runtime.type, args.namePrefix),
            replicas: config.entry.replicas,
            domains: args.domains,
            publishPort: args.runtime.type === "docker" ? config.entry.port : undefined,
        });
        this.url = config.entry.url;
        this.apiUrl = config.entry.apiUrl;
        this.registerOutputs({ url: this.url });
    }
}
