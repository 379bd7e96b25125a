// A stand-in for ksonnet-lib's k.libsonnet, for legacy ksonnet components compiled by kftest.
//
// It provides what the seed's test components used, with ksonnet-lib's names and results:
// mostly `k.core.v1.list.new(items)`, and a few constructors. It is searched after the
// repository's own lib/ and vendor/ dirs, so an app that ships the real ksonnet-lib keeps it.
local apiVersion(version) = { apiVersion: version };
local metadata = {
  withName(name):: { metadata+: { name: name } },
  withNamespace(namespace):: { metadata+: { namespace: namespace } },
  withLabels(labels):: { metadata+: { labels: labels } },
  withLabelsMixin(labels):: { metadata+: { labels+: labels } },
  withAnnotations(annotations):: { metadata+: { annotations: annotations } },
  withAnnotationsMixin(annotations):: { metadata+: { annotations+: annotations } },
};
local asArray(items) = if std.isArray(items) then items else [items];

{
  core:: {
    v1:: {
      list:: {
        new(items):: apiVersion('v1') + { kind: 'List' } + self.withItems(items),
        withItems(items):: { items: asArray(items) },
        withItemsMixin(items):: { items+: asArray(items) },
      },
      namespace:: {
        new(name):: apiVersion('v1') + { kind: 'Namespace' } + self.mixin.metadata.withName(name),
        mixin:: { metadata:: metadata },
      },
      configMap:: {
        new(name, data={}):: apiVersion('v1') + { kind: 'ConfigMap', data: data }
                              + self.mixin.metadata.withName(name),
        withData(data):: { data: data },
        withDataMixin(data):: { data+: data },
        mixin:: { metadata:: metadata },
      },
      container:: {
        new(name, image):: { name: name, image: image },
        withCommand(command):: { command: asArray(command) },
        withArgs(args):: { args: asArray(args) },
        withEnv(env):: { env: asArray(env) },
        withEnvMixin(env):: { env+: asArray(env) },
        withWorkingDir(dir):: { workingDir: dir },
        withImagePullPolicy(policy):: { imagePullPolicy: policy },
        withVolumeMounts(mounts):: { volumeMounts: asArray(mounts) },
        withVolumeMountsMixin(mounts):: { volumeMounts+: asArray(mounts) },
      },
    },
  },
}
