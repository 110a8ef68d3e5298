"""tether.bootstrap: install manifests, bootstrap a Git repository and a cluster (Flux-style).

Modules (the CLI in ``tether.cli.install`` / ``tether.cli.bootstrap`` only parses flags):

- ``components`` — the install manifests (CRDs from the models, RBAC, the controller
  Deployment, the ``source-controller`` artifact Service), pure data;
- ``sync`` — ``gotk-sync.yaml`` (GitRepository + Kustomization) and ``kustomization.yaml``;
- ``install`` — apply/verify/uninstall on a cluster, and the Ready-at-revision wait;
- ``gitrepo`` — the working copy, driven through the git CLI, secrets kept out of argv/config;
- ``sourcesecret`` — the ``flux-system`` Secret (token, bearer or SSH deploy key);
- ``github`` — the GitHub REST calls bootstrap needs (repository, deploy keys);
- ``run`` — the bootstrap phases; ``provider`` — ``bootstrap github`` on top of ``run``;
- ``report`` — the progress-line protocol (Flux's glyphs).
"""
