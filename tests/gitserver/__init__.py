"""Real Git servers on loopback for tests: smart HTTP (``git http-backend``) and SSH (sshd).

Reusable by every test that needs a Git remote (the GitRepository and Kustomization
suites)::

    from tests.gitserver import GitHTTPServer, Repo, SSHGitServer

    repo = Repo.create(tmp_path / "srv", "app")       # bare repo + a work tree to commit from
    sha = repo.commit({"deploy/cm.yaml": "..."}, message="first")
    with GitHTTPServer(tmp_path / "srv", username="u", password="p") as server:
        url = server.url("app")                        # http://127.0.0.1:<port>/app.git

Servers run in their own thread/process, so they keep answering while the test's event
loop is busy; ``stop()`` / ``start()`` simulate an outage on the same port.
"""

from tests.gitserver.httpserver import GitHTTPServer
from tests.gitserver.keys import Signer, gpg_signer, ssh_signer
from tests.gitserver.proxy import ForwardProxy
from tests.gitserver.repo import Repo
from tests.gitserver.sshserver import SSHGitServer, generate_key

__all__ = ["ForwardProxy", "GitHTTPServer", "Repo", "SSHGitServer", "Signer", "generate_key",
           "gpg_signer", "ssh_signer"]
