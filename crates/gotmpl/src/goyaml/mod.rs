//! Helm's YAML: go-yaml v2 (YAML 1.1) reading and writing as sigs.k8s.io/yaml does it.
