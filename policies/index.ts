/**
 * The CrossGuard pack: `pulumi preview --policy-pack policies`. Constructing a PolicyPack starts
 * its gRPC server, so nothing but the CLI may import this file; tests and the offline plan import
 * `./policies` instead.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("nocobase-platform", { policies, enforcementLevel: "advisory" });
