//! The operations of helm's `pkg/kube` Client: Build, Create, Get, Update (three-way
//! merge), Delete, waits, and the adoption check of `pkg/action/validate.go`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex as StdMutex, OnceLock};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use kube::api::{
    DeleteParams, ListParams, Patch, PatchParams, PostParams, PropagationPolicy, WatchEvent,
    WatchParams,
};
use kube::core::{DynamicObject, Request, Resource};
use serde_json::Value;
use tokio::sync::OnceCell;

use super::apply::{apply_error, upgrade_managed_fields_patch, ApplyOptions};
use super::config::KubeSettings;
use super::error::{Error, Joiner};
use super::mapper::{self, Mapper};
use super::ownership::ownership_error;
use super::patch::{self, OpenApiSchema};
use super::resource::{difference, Propagation, ResourceInfo, ResourceList};

/// The field manager helm sends with every create and patch (`?fieldManager=helm`).
pub const FIELD_MANAGER: &str = "helm";
/// How many requests for resources of one kind may be in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 32;

/// What an update did (helm's `kube.Result`).
#[derive(Clone, Debug, Default)]
pub struct UpdateResult {
    /// Objects that did not exist and were created.
    pub created: ResourceList,
    /// Objects that existed and were patched (or found unchanged) or replaced.
    pub updated: ResourceList,
    /// Objects of the original list, absent from the target, that were deleted.
    pub deleted: ResourceList,
}

/// A failed update and what it did before failing.
#[derive(Debug)]
pub struct UpdateFailure {
    /// Why it failed.
    pub error: Error,
    /// What was created, updated and deleted until then.
    pub partial: UpdateResult,
}

impl std::fmt::Display for UpdateFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

/// API groups whose kinds client-go has compiled in (helm patches those with strategic
/// merge patches, everything else with JSON merge patches).
const BUILTIN_GROUPS: &[&str] = &[
    "",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apps",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "extensions",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
];

fn openapi_cache() -> &'static StdMutex<HashMap<String, Arc<OpenApiSchema>>> {
    static CACHE: OnceLock<StdMutex<HashMap<String, Arc<OpenApiSchema>>>> = OnceLock::new();
    CACHE.get_or_init(|| StdMutex::new(HashMap::new()))
}

/// A client for one cluster and one operation: discovery is cached until
/// [`KubeClient::invalidate_discovery`] (or a CRD is created).
pub struct KubeClient {
    client: kube::Client,
    namespace: String,
    cluster_key: String,
    mapper: Mapper,
    openapi: OnceCell<Arc<OpenApiSchema>>,
    group_resources: tokio::sync::Mutex<
        HashMap<String, Arc<k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResourceList>>,
    >,
    concurrency: usize,
    poll_interval: Duration,
}

pub(crate) fn api_error_from_status(e: kube::Error) -> Error {
    Error::from(e)
}

impl KubeClient {
    /// Connects as helm would with these settings (no request is sent yet).
    pub async fn connect(settings: &KubeSettings) -> Result<KubeClient, Error> {
        let mut loaded = settings.load().await?;
        let key = loaded.config.cluster_url.to_string();
        // client-go's retry rule instead of kube-rs's (see `retry`).
        loaded.config.default_retry = false;
        let client = kube::client::ClientBuilder::try_from(loaded.config)
            .map_err(|e| Error::Config(format!("Kubernetes cluster unreachable: {e}")))?
            .with_layer(&super::retry::ClientGoRetryLayer)
            .build();
        let mut c = KubeClient::new(client, loaded.namespace);
        c.cluster_key = key;
        Ok(c)
    }

    /// Wraps an existing kube client; `namespace` is the default for namespaced objects.
    pub fn new(client: kube::Client, namespace: impl Into<String>) -> KubeClient {
        KubeClient {
            client,
            namespace: namespace.into(),
            cluster_key: String::new(),
            mapper: Mapper::default(),
            openapi: OnceCell::new(),
            group_resources: tokio::sync::Mutex::new(HashMap::new()),
            concurrency: DEFAULT_CONCURRENCY,
            poll_interval: Duration::from_secs(2),
        }
    }

    /// Sets how many same-kind requests may run at once (at least 1).
    pub fn with_concurrency(mut self, n: usize) -> KubeClient {
        self.concurrency = n.max(1);
        self
    }

    /// Sets the polling interval of waits (helm: 2 s).
    pub fn with_poll_interval(mut self, d: Duration) -> KubeClient {
        self.poll_interval = d;
        self
    }

    /// The default namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The underlying kube client.
    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    pub(crate) fn poll_interval(&self) -> Duration {
        self.poll_interval
    }

    /// helm's `IsReachable`: `GET /version`.
    pub async fn is_reachable(&self) -> Result<(), Error> {
        self.server_version().await.map(|_| ())
    }

    /// `GET /version` (helm's `.Capabilities.KubeVersion` source).
    pub async fn server_version(
        &self,
    ) -> Result<k8s_openapi::apimachinery::pkg::version::Info, Error> {
        self.client.apiserver_version().await.map_err(|e| {
            // Go's wording of a failed dial (`Get "URL/version": dial tcp …`).
            if let Some(f) = crate::gonet::classify(&e) {
                let url = format!("{}/version", self.cluster_key.trim_end_matches('/'));
                return Error::Transport(format!(
                    "Kubernetes cluster unreachable: Get \"{url}\": {}",
                    crate::gonet::failure_text(f, &url)
                ));
            }
            Error::from(e).context("Kubernetes cluster unreachable")
        })
    }

    /// Forgets discovery, so that kinds of CRDs created since map.
    pub async fn invalidate_discovery(&self) {
        self.mapper.invalidate().await;
        self.group_resources.lock().await.clear();
    }

    /// The API versions the server offers, for `.Capabilities.APIVersions` (helm's
    /// `GetVersionSet`): every `group/version` (`v1` for the core group) and every
    /// `group/version/Kind`, subresource kinds included, sorted.
    pub async fn api_versions(&self) -> Result<Vec<String>, Error> {
        let (discovery, _) = self.mapper.discovery(&self.client).await?;
        let mut out = std::collections::BTreeSet::new();
        for group in discovery.groups() {
            for version in group.versions() {
                let gv = if group.name().is_empty() {
                    version.to_string()
                } else {
                    format!("{}/{version}", group.name())
                };
                for (ar, caps) in group.versioned_resources(version) {
                    out.insert(format!("{gv}/{}", ar.kind));
                    for (sub, _) in &caps.subresources {
                        out.insert(format!("{gv}/{}", sub.kind));
                    }
                }
                out.insert(gv);
            }
        }
        Ok(out.into_iter().collect())
    }

    /// helm's `Build`: the objects of a manifest mapped to their resources, the default
    /// namespace set on namespaced objects without one.
    pub async fn build(&self, manifest: &str) -> Result<ResourceList, Error> {
        let objects = mapper::manifest_objects(manifest)?;
        if objects.is_empty() {
            return Ok(Vec::new());
        }
        let (discovery, fresh) = self.mapper.discovery(&self.client).await?;
        match mapper::map_objects(&discovery, objects.clone(), &self.namespace) {
            // A kind missing from a cached discovery may be new (a CRD established since):
            // discover again once, as client-go's deferred mapper does.
            Err(e) if !fresh && has_no_match(&e) => {
                self.invalidate_discovery().await;
                let (discovery, _) = self.mapper.discovery(&self.client).await?;
                mapper::map_objects(&discovery, objects, &self.namespace)
            }
            other => other,
        }
    }

    fn url(info: &ResourceInfo) -> Request {
        let ns = if info.namespaced {
            Some(info.namespace.as_str())
        } else {
            None
        };
        Request::new(DynamicObject::url_path(&info.api, ns))
    }

    async fn send(
        &self,
        req: Result<http::Request<Vec<u8>>, kube::core::request::Error>,
    ) -> Result<Value, Error> {
        let req = req.map_err(|e| Error::Transport(e.to_string()))?;
        self.client
            .request::<Value>(req)
            .await
            .map_err(api_error_from_status)
    }

    /// `GET` the live object; `None` when it does not exist.
    pub async fn get(&self, info: &ResourceInfo) -> Result<Option<Value>, Error> {
        match self
            .send(Self::url(info).get(&info.name, &Default::default()))
            .await
        {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Whether the object exists.
    pub async fn exists(&self, info: &ResourceInfo) -> Result<bool, Error> {
        Ok(self.get(info).await?.is_some())
    }

    async fn create_one(&self, info: &ResourceInfo) -> Result<ResourceInfo, Error> {
        let pp = PostParams {
            field_manager: Some(FIELD_MANAGER.into()),
            ..PostParams::default()
        };
        let body = serde_json::to_vec(&info.object).map_err(|e| Error::Manifest(e.to_string()))?;
        let mut attempt = 0;
        let created = loop {
            match self.send(Self::url(info).create(&pp, body.clone())).await {
                Err(e) if e.is_conflict() && attempt < 4 => attempt += 1,
                other => break other?,
            }
        };
        let mut out = info.clone();
        out.object = created;
        Ok(out)
    }

    /// Helm 4's `patchResourceServerSide`: applies the object (field manager `helm`,
    /// `fieldValidation=Strict`, `force` as asked); creates it when missing. Returns the
    /// object as the server stored it.
    async fn apply_one(&self, info: &ResourceInfo, force: bool) -> Result<ResourceInfo, Error> {
        let pp = PatchParams {
            field_manager: Some(FIELD_MANAGER.into()),
            force,
            field_validation: Some(kube::api::ValidationDirective::Strict),
            ..PatchParams::default()
        };
        let body = Patch::Apply(&info.object);
        match self
            .send(Self::url(info).patch(&info.name, &pp, &body))
            .await
        {
            Ok(v) => {
                let mut out = info.clone();
                out.object = v;
                Ok(out)
            }
            Err(e) => Err(apply_error(
                e,
                &info.namespace,
                &info.name,
                &info.gvk.api_version(),
                &info.gvk.kind,
            )),
        }
    }

    /// Client-go's `UpgradeManagedFieldsPatch` sent as a JSON patch (Helm 4's
    /// `upgradeClientSideFieldManager`), starting from the live object `live`; on a
    /// conflict the object is read again, up to client-go's `DefaultRetry` (5 tries).
    /// Returns whether a patch was sent.
    async fn upgrade_csa_manager(&self, info: &ResourceInfo, live: &Value) -> Result<bool, Error> {
        let mut live = live.clone();
        let mut attempt = 0;
        loop {
            let Some(p) = upgrade_managed_fields_patch(&live, FIELD_MANAGER, FIELD_MANAGER)? else {
                return Ok(false);
            };
            let ns = info.namespaced.then_some(info.namespace.as_str());
            let path = format!(
                "{}/{}?fieldManager={FIELD_MANAGER}&fieldValidation=Strict",
                DynamicObject::url_path(&info.api, ns),
                info.name
            );
            let body = serde_json::to_vec(&p).map_err(|e| Error::Manifest(e.to_string()))?;
            let req = http::Request::patch(path)
                .header(http::header::CONTENT_TYPE, "application/json-patch+json")
                .header(http::header::ACCEPT, "application/json")
                .body(body)
                .map_err(|e| Error::Transport(e.to_string()))?;
            let sent = self
                .client
                .request::<Value>(req)
                .await
                .map_err(api_error_from_status);
            match sent {
                Ok(_) => return Ok(true),
                Err(e) if e.is_conflict() && attempt < 4 => {
                    attempt += 1;
                    live = self.get_live(info).await.map_err(|e| {
                        e.context(format!(
                            "failed to get object {}/{} {}",
                            info.namespace,
                            info.name,
                            info.gvk.api_version()
                        ))
                    })?;
                }
                Err(e) => {
                    return Err(e.context(format!(
                        "failed to patch object to upgrade CSA field manager {}/{} {}",
                        info.namespace,
                        info.name,
                        info.gvk.api_version()
                    )))
                }
            }
        }
    }

    /// Runs `f` over `items` with same-kind runs in parallel (bounded), kinds in order
    /// (helm's `batchPerform`); results in input order.
    async fn batched<'a, T, F, Fut>(&self, items: &'a [ResourceInfo], f: F) -> Vec<T>
    where
        F: Fn(&'a ResourceInfo) -> Fut,
        Fut: Future<Output = T>,
    {
        let mut out = Vec::with_capacity(items.len());
        let mut start = 0;
        while start < items.len() {
            let kind = &items[start].gvk.kind;
            let mut end = start + 1;
            while end < items.len() && &items[end].gvk.kind == kind {
                end += 1;
            }
            // The futures are made first: a closure inside the stream would keep the
            // whole future from being `Send` (a higher-ranked lifetime limitation).
            let futs: Vec<Fut> = items[start..end].iter().map(&f).collect();
            let results: Vec<T> = futures::stream::iter(futs)
                .buffered(self.concurrency)
                .collect()
                .await;
            out.extend(results);
            start = end;
        }
        out
    }

    /// helm's `Create`: POSTs every object (same kinds concurrently, kinds in order).
    /// Returns the objects as the server stored them. Creating a CRD invalidates discovery.
    pub async fn create(&self, resources: &[ResourceInfo]) -> Result<ResourceList, Error> {
        self.create_with(resources, &ApplyOptions::default()).await
    }

    /// [`KubeClient::create`], or with `opts.server_side` Helm 4's create by server-side
    /// apply (`force` from `opts.force_conflicts`).
    pub async fn create_with(
        &self,
        resources: &[ResourceInfo],
        opts: &ApplyOptions,
    ) -> Result<ResourceList, Error> {
        opts.validate()?;
        let results = self
            .batched(resources, |info| async move {
                if opts.server_side {
                    self.apply_one(info, opts.force_conflicts).await
                } else {
                    self.create_one(info).await
                }
            })
            .await;
        if resources.iter().any(is_crd) {
            self.invalidate_discovery().await;
        }
        let mut created = Vec::new();
        let mut errors = Vec::new();
        for r in results {
            match r {
                Ok(i) => created.push(i),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(created)
        } else {
            Err(Error::Multiple {
                errors,
                joiner: Joiner::Multi,
            })
        }
    }

    /// GETs every resource, `concurrency` at a time (reads need no kind order); the
    /// answers in input order.
    async fn get_all(&self, resources: &[ResourceInfo]) -> Vec<Result<Option<Value>, Error>> {
        let futs: Vec<_> = resources.iter().map(|info| self.get(info)).collect();
        futures::stream::iter(futs)
            .buffered(self.concurrency)
            .collect()
            .await
    }

    /// The existing objects among `resources` (validate.go's `requireAdoption`). The
    /// objects are read concurrently (helm: one after another); errors are reported for
    /// the first resource in order, as helm would.
    pub async fn require_adoption(
        &self,
        resources: &[ResourceInfo],
    ) -> Result<ResourceList, Error> {
        let mut out = Vec::new();
        for (info, r) in resources.iter().zip(self.get_all(resources).await) {
            match r {
                Ok(Some(_)) => out.push(info.clone()),
                Ok(None) => {}
                Err(e) => {
                    return Err(e.context(format!(
                        "could not get information about the resource {}",
                        info.describe()
                    )))
                }
            }
        }
        Ok(out)
    }

    /// validate.go's `existingResourceConflict`: the objects that already exist and carry
    /// this release's ownership metadata (to be updated instead of created); an object
    /// owned by someone else is helm's `… exists and cannot be imported …` error. The
    /// objects are read concurrently; the first problem in input order is reported.
    pub async fn existing_resource_conflict(
        &self,
        resources: &[ResourceInfo],
        release: &str,
        release_namespace: &str,
    ) -> Result<ResourceList, Error> {
        let mut out = Vec::new();
        for (info, r) in resources.iter().zip(self.get_all(resources).await) {
            match r {
                Ok(Some(live)) => {
                    if let Some(e) = ownership_error(info, &live, release, release_namespace) {
                        return Err(e);
                    }
                    out.push(info.clone());
                }
                Ok(None) => {}
                Err(e) => {
                    return Err(e.context(format!(
                        "could not get information about the resource {}",
                        info.describe()
                    )))
                }
            }
        }
        Ok(out)
    }

    async fn openapi_schema(&self) -> Result<Arc<OpenApiSchema>, Error> {
        let key = self.cluster_key.clone();
        if !key.is_empty() {
            if let Ok(cache) = openapi_cache().lock() {
                if let Some(s) = cache.get(&key) {
                    return Ok(s.clone());
                }
            }
        }
        let s = self
            .openapi
            .get_or_try_init(|| async {
                let req = http::Request::get("/openapi/v2")
                    .header("Accept", "application/json")
                    .body(Vec::new())
                    .map_err(|e| Error::Transport(e.to_string()))?;
                let doc: Value = self
                    .client
                    .request(req)
                    .await
                    .map_err(api_error_from_status)?;
                Ok::<_, Error>(Arc::new(OpenApiSchema::from_json(doc)))
            })
            .await?
            .clone();
        if !key.is_empty() {
            if let Ok(mut cache) = openapi_cache().lock() {
                cache.insert(key, s.clone());
            }
        }
        Ok(s)
    }

    /// helm's `createPatch`: the patch and its type for `target`, given the object of the
    /// previous manifest and the live object. `None` when there is nothing to change.
    pub async fn create_patch(
        &self,
        original: &Value,
        target: &ResourceInfo,
        live: &Value,
    ) -> Result<Option<Patch<Value>>, Error> {
        // helm converts the object to its compiled-in type; kinds it does not have, and
        // (by an explicit check of helm's) v1beta1 CRDs, get a JSON merge patch.
        let v1beta1_crd = is_crd(target) && target.gvk.version == "v1beta1";
        if v1beta1_crd || !BUILTIN_GROUPS.contains(&target.gvk.group.as_str()) {
            let p = patch::json_merge_patch(original, &target.object);
            return Ok((!patch::is_empty_patch(&p)).then_some(Patch::Merge(p)));
        }
        let schema = self.openapi_schema().await?;
        let meta = schema.lookup(&target.gvk.group, &target.gvk.version, &target.gvk.kind);
        let p = patch::three_way_strategic(original, &target.object, live, meta)
            .map_err(|e| Error::Patch(e.to_string()))?;
        Ok((!patch::is_empty_patch(&p)).then_some(Patch::Strategic(p)))
    }

    /// One target of an update. `Ok((created, object, soft error))`; `Err` stops the
    /// update (helm returns at once), with whether the object counts as created.
    async fn update_one(
        &self,
        original: &[ResourceInfo],
        info: &ResourceInfo,
        opts: &ApplyOptions,
    ) -> Result<(bool, ResourceInfo, Option<Error>), (bool, Error)> {
        let live = match self.get(info).await {
            Ok(Some(v)) => v,
            Ok(None) => {
                // helm counts the object as created even when the create fails.
                let created = if opts.server_side {
                    self.apply_one(info, opts.force_conflicts).await
                } else {
                    self.create_one(info).await
                };
                return match created {
                    Ok(c) => Ok((true, c, None)),
                    Err(e) => Err((true, e.context("failed to create resource"))),
                };
            }
            Err(e) => {
                return Err((
                    false,
                    e.context("could not get information about the resource"),
                ))
            }
        };
        let Some(orig) = original.iter().find(|o| o.same_object(info)) else {
            return Err((
                false,
                Error::Failed(format!(
                    "no {} with the name {:?} found",
                    info.gvk.kind, info.name
                )),
            ));
        };
        let mut out = info.clone();
        if opts.force_replace {
            let mut obj = info.object.clone();
            let rv = live
                .get("metadata")
                .and_then(|m| m.get("resourceVersion"))
                .cloned();
            if let (Some(rv), Some(md)) =
                (rv, obj.get_mut("metadata").and_then(Value::as_object_mut))
            {
                if !md.contains_key("resourceVersion") {
                    md.insert("resourceVersion".into(), rv);
                }
            }
            let pp = PostParams {
                field_manager: Some(FIELD_MANAGER.into()),
                ..PostParams::default()
            };
            let body = match serde_json::to_vec(&obj) {
                Ok(b) => b,
                Err(e) => return Err((false, Error::Manifest(e.to_string()))),
            };
            match self
                .send(Self::url(info).replace(&info.name, &pp, body))
                .await
            {
                Ok(v) => out.object = v,
                Err(e) => return Ok((false, out, Some(e.context("failed to replace object")))),
            }
            return Ok((false, out, None));
        }
        if opts.server_side {
            if opts.upgrade_client_side_field_manager {
                if let Err(e) = self.upgrade_csa_manager(orig, &live).await {
                    return Ok((false, out, Some(e)));
                }
            }
            match self.apply_one(info, opts.force_conflicts).await {
                Ok(applied) => out.object = applied.object,
                Err(e) => return Ok((false, out, Some(e))),
            }
            return Ok((false, out, None));
        }
        let p = match self.create_patch(&orig.object, info, &live).await {
            Ok(p) => p,
            Err(e) => return Ok((false, out, Some(e.context("failed to create patch")))),
        };
        let Some(p) = p else {
            out.object = live;
            return Ok((false, out, None));
        };
        let pp = PatchParams {
            field_manager: Some(FIELD_MANAGER.into()),
            ..PatchParams::default()
        };
        match self.send(Self::url(info).patch(&info.name, &pp, &p)).await {
            Ok(v) => out.object = v,
            Err(e) => {
                let ctx = format!("cannot patch {:?} with kind {}", info.name, info.gvk.kind);
                return Ok((false, out, Some(e.context(ctx))));
            }
        }
        Ok((false, out, None))
    }

    /// helm 3's `Update`: creates the target objects that do not exist, patches the others
    /// (three-way merge against the live object, no request when nothing changes; with
    /// `force`, replaces them), then deletes the objects of `original` that are not in
    /// `target`, unless the live object says `helm.sh/resource-policy: keep`.
    pub async fn update(
        &self,
        original: &[ResourceInfo],
        target: &[ResourceInfo],
        force: bool,
    ) -> Result<UpdateResult, Error> {
        self.update_with(original, target, &ApplyOptions::client_side(force))
            .await
            .map_err(|f| f.error)
    }

    /// [`KubeClient::update`] with Helm 4's options (server-side apply). On failure the
    /// error carries what was done until then (helm's `Result` returned with the error):
    /// the objects created, among them one whose create failed, are what
    /// `--cleanup-on-fail` deletes. As helm, a failure to read or create an object stops
    /// the update after the objects of its kind; failed patches are collected and
    /// reported together, before anything is deleted.
    pub async fn update_with(
        &self,
        original: &[ResourceInfo],
        target: &[ResourceInfo],
        opts: &ApplyOptions,
    ) -> Result<UpdateResult, UpdateFailure> {
        let mut res = UpdateResult::default();
        if let Err(error) = opts.validate() {
            return Err(UpdateFailure {
                error,
                partial: res,
            });
        }
        let mut update_errors = Vec::new();
        let mut hard = None;
        let mut start = 0;
        while start < target.len() && hard.is_none() {
            let kind = &target[start].gvk.kind;
            let mut end = start + 1;
            while end < target.len() && &target[end].gvk.kind == kind {
                end += 1;
            }
            let results = self
                .batched(&target[start..end], |info| {
                    self.update_one(original, info, opts)
                })
                .await;
            for (i, r) in results.into_iter().enumerate() {
                match r {
                    Ok((true, info, _)) => res.created.push(info),
                    Ok((false, info, err)) => {
                        if let Some(e) = err {
                            update_errors.push(e);
                        }
                        res.updated.push(info);
                    }
                    Err((created, e)) => {
                        if created {
                            res.created.push(target[start + i].clone());
                        }
                        if hard.is_none() {
                            hard = Some(e);
                        }
                    }
                }
            }
            start = end;
        }
        if res.created.iter().any(is_crd) {
            self.invalidate_discovery().await;
        }
        if let Some(error) = hard {
            return Err(UpdateFailure {
                error,
                partial: res,
            });
        }
        if !update_errors.is_empty() {
            return Err(UpdateFailure {
                error: Error::Multiple {
                    errors: update_errors,
                    joiner: Joiner::And,
                },
                partial: res,
            });
        }
        for info in difference(original, target) {
            let live = match self.get(info).await {
                Ok(Some(v)) => v,
                _ => continue,
            };
            let mut with_live = info.clone();
            with_live.object = live;
            if with_live.has_keep_policy() {
                continue;
            }
            if self
                .delete_one(info, Propagation::Background)
                .await
                .is_err()
            {
                continue;
            }
            res.deleted.push(with_live);
        }
        Ok(res)
    }

    async fn delete_one(&self, info: &ResourceInfo, propagation: Propagation) -> Result<(), Error> {
        let dp = DeleteParams {
            propagation_policy: Some(match propagation {
                Propagation::Background => PropagationPolicy::Background,
                Propagation::Foreground => PropagationPolicy::Foreground,
                Propagation::Orphan => PropagationPolicy::Orphan,
            }),
            ..DeleteParams::default()
        };
        let mut attempt = 0;
        loop {
            match self.send(Self::url(info).delete(&info.name, &dp)).await {
                Err(e) if e.is_conflict() && attempt < 4 => attempt += 1,
                other => return other.map(|_| ()),
            }
        }
    }

    /// helm's `DeleteWithPropagationPolicy`: deletes every object (same kinds concurrently,
    /// kinds in order); objects already gone count as deleted. Returns the deleted
    /// objects, or every error.
    pub async fn delete(
        &self,
        resources: &[ResourceInfo],
        propagation: Propagation,
    ) -> Result<ResourceList, Vec<Error>> {
        if resources.is_empty() {
            return Err(vec![Error::Failed(
                "object not found, skipping delete: no objects visited".into(),
            )]);
        }
        let results = self
            .batched(resources, |info| async move {
                match self.delete_one(info, propagation).await {
                    Ok(()) => Ok(info.clone()),
                    Err(e) if e.is_not_found() => Ok(info.clone()),
                    Err(e) => Err(e),
                }
            })
            .await;
        let mut deleted = Vec::new();
        let mut errors = Vec::new();
        for r in results {
            match r {
                Ok(i) => deleted.push(i),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(deleted)
        } else {
            Err(errors)
        }
    }

    /// helm's `WaitForDelete`: polls `GET` until every object is gone.
    pub async fn wait_for_delete(
        &self,
        resources: &[ResourceInfo],
        timeout: Duration,
    ) -> Result<(), Error> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut next = 0;
        loop {
            while next < resources.len() {
                match self.get(&resources[next]).await? {
                    None => next += 1,
                    Some(_) => break,
                }
            }
            if next == resources.len() {
                return Ok(());
            }
            if tokio::time::Instant::now() + self.poll_interval > deadline {
                return Err(Error::Timeout);
            }
            tokio::time::sleep(self.poll_interval).await;
        }
    }

    /// helm's `WatchUntilReady` for hooks: Jobs until complete (failed is an error), Pods
    /// until succeeded (failed is an error); other kinds at once. List, then watch from the
    /// list's resourceVersion, by `metadata.name`.
    pub async fn watch_until_ready(
        &self,
        resources: &[ResourceInfo],
        timeout: Duration,
    ) -> Result<(), Error> {
        let results = self
            .batched(resources, |info| self.watch_one(info, timeout))
            .await;
        let errors: Vec<Error> = results.into_iter().filter_map(Result::err).collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Multiple {
                errors,
                joiner: Joiner::Multi,
            })
        }
    }

    async fn watch_one(&self, info: &ResourceInfo, timeout: Duration) -> Result<(), Error> {
        let kind = info.gvk.kind.as_str();
        if kind != "Job" && kind != "Pod" {
            return Ok(());
        }
        let deadline = tokio::time::Instant::now() + timeout;
        let selector = format!("metadata.name={}", info.name);
        let lp = ListParams {
            field_selector: Some(selector.clone()),
            limit: Some(500),
            resource_version: Some("0".into()),
            ..ListParams::default()
        };
        let list = self.send(Self::url(info).list(&lp)).await?;
        for item in list
            .get("items")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(done) = hook_done(kind, &info.name, item) {
                return done;
            }
        }
        let mut rv = list
            .get("metadata")
            .and_then(|m| m.get("resourceVersion"))
            .and_then(Value::as_str)
            .unwrap_or("0")
            .to_string();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return Err(Error::Failed("timed out waiting for the condition".into()));
            }
            let wp = WatchParams {
                field_selector: Some(selector.clone()),
                timeout: Some(left.as_secs().clamp(1, 290) as u32),
                bookmarks: true,
                ..WatchParams::default()
            };
            let req = Self::url(info)
                .watch(&wp, &rv)
                .map_err(|e| Error::Transport(e.to_string()))?;
            let stream = self
                .client
                .request_events::<Value>(req)
                .await
                .map_err(api_error_from_status)?;
            let mut stream = std::pin::pin!(stream);
            loop {
                let next = tokio::time::timeout_at(deadline, stream.try_next()).await;
                let ev = match next {
                    Err(_) => {
                        return Err(Error::Failed("timed out waiting for the condition".into()))
                    }
                    Ok(Err(e)) => return Err(api_error_from_status(e)),
                    Ok(Ok(None)) => break,
                    Ok(Ok(Some(ev))) => ev,
                };
                match ev {
                    WatchEvent::Added(o) | WatchEvent::Modified(o) => {
                        if let Some(v) = o
                            .get("metadata")
                            .and_then(|m| m.get("resourceVersion"))
                            .and_then(Value::as_str)
                        {
                            rv = v.to_string();
                        }
                        if let Some(done) = hook_done(kind, &info.name, &o) {
                            return done;
                        }
                    }
                    WatchEvent::Deleted(_) => return Ok(()),
                    WatchEvent::Bookmark(b) => rv = b.metadata.resource_version,
                    WatchEvent::Error(_) => {
                        return Err(Error::Failed(format!("failed to deploy {}", info.name)))
                    }
                }
            }
        }
    }

    /// The API resources of one group version (`/api/v1` or `/apis/G/V`), cached.
    pub(crate) async fn group_version_resources(
        &self,
        api_version: &str,
    ) -> Result<Arc<k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResourceList>, Error> {
        let mut cache = self.group_resources.lock().await;
        if let Some(l) = cache.get(api_version) {
            return Ok(l.clone());
        }
        let list = if api_version.contains('/') {
            self.client.list_api_group_resources(api_version).await
        } else {
            self.client.list_core_api_resources(api_version).await
        }
        .map_err(api_error_from_status)?;
        let list = Arc::new(list);
        cache.insert(api_version.to_string(), list.clone());
        Ok(list)
    }

    /// Whether namespace `name` exists (`GET /api/v1/namespaces/NAME`); `None` when the
    /// server would not say (no permission, say).
    pub async fn namespace_exists(&self, name: &str) -> Option<bool> {
        match self.raw_get(&format!("/api/v1/namespaces/{name}")).await {
            Ok(_) => Some(true),
            Err(e) if e.is_not_found() => Some(false),
            Err(_) => None,
        }
    }

    pub(crate) async fn raw_get(&self, path: &str) -> Result<Value, Error> {
        let req = http::Request::get(path)
            .body(Vec::new())
            .map_err(|e| Error::Transport(e.to_string()))?;
        self.client
            .request::<Value>(req)
            .await
            .map_err(api_error_from_status)
    }

    pub(crate) async fn list_path(
        &self,
        path: &str,
        label_selector: &str,
    ) -> Result<Vec<Value>, Error> {
        let lp = ListParams {
            label_selector: (!label_selector.is_empty()).then(|| label_selector.to_string()),
            ..ListParams::default()
        };
        let list = self.send(Request::new(path).list(&lp)).await?;
        Ok(list
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default())
    }

    pub(crate) async fn get_live(&self, info: &ResourceInfo) -> Result<Value, Error> {
        self.send(Self::url(info).get(&info.name, &Default::default()))
            .await
    }
}

fn has_no_match(e: &Error) -> bool {
    match e {
        Error::NoMatch { .. } => true,
        Error::Multiple { errors, .. } => errors.iter().any(has_no_match),
        _ => false,
    }
}

fn is_crd(info: &ResourceInfo) -> bool {
    info.gvk.group == "apiextensions.k8s.io" && info.gvk.kind == "CustomResourceDefinition"
}

/// Whether a hook object finished: `Some(Ok)` done, `Some(Err)` failed, `None` not yet.
fn hook_done(kind: &str, name: &str, obj: &Value) -> Option<Result<(), Error>> {
    let status = obj.get("status");
    if kind == "Job" {
        for c in status
            .and_then(|s| s.get("conditions"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let t = c.get("type").and_then(Value::as_str);
            let s = c.get("status").and_then(Value::as_str);
            if t == Some("Complete") && s == Some("True") {
                return Some(Ok(()));
            }
            if t == Some("Failed") && s == Some("True") {
                let reason = c.get("reason").and_then(Value::as_str).unwrap_or("");
                return Some(Err(Error::Failed(format!("job {name} failed: {reason}"))));
            }
        }
        None
    } else {
        match status.and_then(|s| s.get("phase")).and_then(Value::as_str) {
            Some("Succeeded") => Some(Ok(())),
            Some("Failed") => Some(Err(Error::Failed(format!("pod {name} failed")))),
            _ => None,
        }
    }
}
