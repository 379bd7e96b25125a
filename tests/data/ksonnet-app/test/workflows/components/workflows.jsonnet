local env = std.extVar("__ksonnet/environments");
local params = std.extVar("__ksonnet/params").components.workflows;

local k = import "k.libsonnet";
local workflows = import "workflows.libsonnet";
// ks param set passed "null" for an unset namespace: fall back to the environment's.
local namespace = if params.namespace == "null" then env.namespace else params.namespace;

// TODO(jlewi): Can we make name default so some random unique value?
// I didn't see any routines in the standard library for generating random values.
local name = params.name;

local prowEnv = workflows.parseEnv(params.prow_env);
local bucket = params.bucket;
std.prune(k.core.v1.list.new([workflows.parts(namespace, name).e2e(prowEnv, bucket, params)]))
