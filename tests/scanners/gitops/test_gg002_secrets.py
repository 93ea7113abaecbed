"""GG002: plaintext secrets in manifests and Helm values; never the value in a message."""

from __future__ import annotations

from pathlib import Path

import pytest
from gg_helpers import line_of, of, scan_files

from gitops_guard.scanners.gitops.secrets import is_credential_key

PLAIN = """
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: web
type: Opaque
stringData:
  username: admin
  password: s3cr3t-Value-9
"""


def gg002(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, int, str]]:
    return [(f.path, f.line, f.message) for f in of(scan_files(tmp_path, files), "GG002")]


def test_plaintext_secret_is_flagged_without_its_value(tmp_path: Path) -> None:
    found = gg002(tmp_path, {"k8s/secret.yaml": PLAIN})
    assert len(found) == 1
    path, line, message = found[0]
    assert (path, line) == ("k8s/secret.yaml", line_of(tmp_path, "k8s/secret.yaml", "username"))
    assert "s3cr3t" not in message and "admin" not in message
    assert "username" in message and "password" in message


def test_base64_data_is_plaintext_too(tmp_path: Path) -> None:
    text = PLAIN.replace("stringData:", "data:").replace("s3cr3t-Value-9", "czNjcjN0")
    assert len(gg002(tmp_path, {"secret.yaml": text})) == 1


@pytest.mark.parametrize(
    "text",
    [
        # SealedSecret
        """
        apiVersion: bitnami.com/v1alpha1
        kind: SealedSecret
        metadata:
          name: db
        spec:
          encryptedData:
            password: AgBy3i4OJSWK+PiTySYZZA==
        """,
        # SOPS-encrypted Secret
        """
        apiVersion: v1
        kind: Secret
        metadata:
          name: db
        stringData:
          password: ENC[AES256_GCM,data:Ab12,iv:x,tag:y,type:str]
        sops:
          age:
            - recipient: age1xyz
          encrypted_regex: ^(data|stringData)$
          version: 3.8.1
        """,
        # ExternalSecret
        """
        apiVersion: external-secrets.io/v1beta1
        kind: ExternalSecret
        metadata:
          name: db
        spec:
          secretStoreRef:
            name: vault
            kind: ClusterSecretStore
          data:
            - secretKey: password
              remoteRef:
                key: db/password
        """,
        # empty Secrets
        """
        apiVersion: v1
        kind: Secret
        metadata:
          name: sa-token
          annotations:
            kubernetes.io/service-account.name: web
        type: kubernetes.io/service-account-token
        """,
        """
        apiVersion: v1
        kind: Secret
        metadata:
          name: empty
        data: {}
        stringData:
          password: ""
        """,
    ],
)
def test_protected_or_empty_secrets_are_not_flagged(tmp_path: Path, text: str) -> None:
    assert gg002(tmp_path, {"secret.yaml": text}) == []


SUBSTITUTED = """
apiVersion: v1
kind: Secret
metadata:
  name: app-env
type: Opaque
stringData:
  DB_PASSWORD: ${DB_PASSWORD}
  API_TOKEN: "$API_TOKEN"
  DATABASE_URL: postgres://${DB_USER}:${DB_PASSWORD}@db:5432/app
  SMTP_PASSWORD: "{{ .smtpPassword }}"
"""


def test_secret_values_substituted_at_deploy_time_are_not_flagged(tmp_path: Path) -> None:
    # Flux postBuild.substitute / envsubst: the value lives in the cluster or CI, not in git.
    assert gg002(tmp_path, {"apps/secret.yaml": SUBSTITUTED}) == []


@pytest.mark.parametrize(
    "value",
    ["pa$sword-Value-9", "postgres://admin:hunter2@${DB_HOST}/app", "s3cr3t-Value-9"],
)
def test_literal_credentials_next_to_a_reference_are_still_flagged(
    tmp_path: Path, value: str
) -> None:
    text = SUBSTITUTED.replace("${DB_PASSWORD}\n", f"'{value}'\n", 1)
    found = gg002(tmp_path, {"apps/secret.yaml": text})
    assert [(line, "DB_PASSWORD" in m) for _, line, m in found] == [
        (line_of(tmp_path, "apps/secret.yaml", "DB_PASSWORD:"), True)
    ]


def test_sops_file_with_a_plain_value_left_over(tmp_path: Path) -> None:
    text = """
    apiVersion: v1
    kind: Secret
    metadata:
      name: db
    stringData:
      password: ENC[AES256_GCM,data:Ab12,iv:x,tag:y,type:str]
      token: plain-token-value
    sops:
      version: 3.8.1
    """
    found = gg002(tmp_path, {"secret.yaml": text})
    assert len(found) == 1 and "token" in found[0][2] and "plain-token" not in found[0][2]


def test_secret_in_a_multi_document_file(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n---\n"
        + PLAIN.lstrip()
    )
    found = gg002(tmp_path, {"all.yaml": text})
    assert [line for _, line, _ in found] == [line_of(tmp_path, "all.yaml", "username")]


def test_kustomize_secret_generator_literals(tmp_path: Path) -> None:
    files = {
        "kustomization.yaml": """
        resources: [deploy.yaml]
        secretGenerator:
          - name: db
            literals:
              - password=hunter2-really
          - name: from-file
            files: [secret.enc.yaml]
        """
    }
    found = gg002(tmp_path, files)
    assert len(found) == 1 and "hunter2" not in found[0][2]
    assert found[0][1] == line_of(tmp_path, "kustomization.yaml", "password=")


HELM_VALUES = """
auth:
  enabled: true
  existingSecret: ""
  adminPassword: Sup3rS3cret!
  password: ""
  passwordKey: db-password
  secretName: db-credentials
  rootPassword: ${ROOT_PASSWORD}
  replicationPassword: "{{ .Values.global.pw }}"
api:
  apiKey: 0123456789abcdef0123
  tokenSecretName: api-token
  tokenTTL: 3600
oauth:
  clientSecret: ref+vault://secret/oauth#client
  clientId: web
  createSecret: true
smtp:
  password: changeme
"""


def test_helm_values_credentials(tmp_path: Path) -> None:
    files = {"chart/Chart.yaml": "name: web\nversion: 1.0.0\n", "chart/values.yaml": HELM_VALUES}
    found = gg002(tmp_path, files)
    keys = sorted(m.split("'")[1] for _, _, m in found)
    assert keys == ["api.apiKey", "auth.adminPassword"]
    assert all("Sup3r" not in m and "0123456789" not in m for _, _, m in found)


def test_flux_helmrelease_values_credentials(tmp_path: Path) -> None:
    text = """
    apiVersion: helm.toolkit.fluxcd.io/v2
    kind: HelmRelease
    metadata:
      name: db
    spec:
      chart:
        spec:
          chart: postgresql
          version: 15.5.0
      values:
        auth:
          postgresPassword: pl41n-text
    """
    found = gg002(tmp_path, {"release.yaml": text})
    assert len(found) == 1 and "auth.postgresPassword" in found[0][2]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("password", True),
        ("adminPassword", True),
        ("api_key", True),
        ("clientSecret", True),
        ("authToken", True),
        ("privateKey", True),
        ("existingSecret", False),
        ("passwordSecret", False),
        ("secretName", False),
        ("passwordKey", False),
        ("tokenTTL", False),
        ("passwordFile", False),
        ("createSecret", False),
        ("username", False),
    ],
)
def test_credential_key_names(key: str, expected: bool) -> None:
    assert is_credential_key(key) is expected


# -- values that say where a secret or a service is (issue 15) --------------------------------

CHART = {"chart/Chart.yaml": "name: web\nversion: 1.0.0\n"}


def test_a_secret_holding_only_host_and_port_is_not_flagged(tmp_path: Path) -> None:
    text = """
    apiVersion: v1
    kind: Secret
    metadata:
      name: db-location
    stringData:
      DB_HOST: postgres:5432
      BROKERS: kafka-0:9092,kafka-1:9092
      REDIS: redis.cache.svc.cluster.local:6379
    data:
      METRICS_ADDR: MTAuMC4wLjE6OTA5MA==
    """
    assert gg002(tmp_path, {"secret.yaml": text}) == []


def test_host_and_port_keys_are_left_out_of_a_flagged_secret(tmp_path: Path) -> None:
    text = """
    apiVersion: v1
    kind: Secret
    metadata:
      name: db
    stringData:
      DB_HOST: postgres:5432
      DB_PASSWORD: pg-9f8e7d6c
    """
    found = gg002(tmp_path, {"secret.yaml": text})
    assert [(line, "DB_HOST" in m, "DB_PASSWORD" in m) for _, line, m in found] == [
        (line_of(tmp_path, "secret.yaml", "DB_PASSWORD"), False, True)
    ]


def test_a_credential_key_holding_name_and_number_is_still_flagged(tmp_path: Path) -> None:
    # "admin:1234" could be a host "admin" on port 1234, or a password: the key decides
    values = "auth:\n  password: admin:1234\n"
    assert len(gg002(tmp_path, {**CHART, "chart/values.yaml": values})) == 1


@pytest.mark.parametrize(
    "value",
    [
        "secret/data/payments/db#password",  # Vault KV v2 path and field
        "/prod/payments/DbPassword",  # AWS SSM parameter name
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:payments-db-AbCdEf",
        "projects/acme/secrets/payments-db/versions/latest",  # GCP Secret Manager
        "https://acme-kv.vault.azure.net/secrets/payments-db",  # Azure Key Vault
        "/var/run/secrets/kubernetes.io/serviceaccount/token",  # a file path
        "db.internal.example.com:5432",
    ],
)
def test_the_location_of_a_secret_in_helm_values_is_not_flagged(tmp_path: Path, value: str) -> None:
    values = f"vault:\n  token: '{value}'\ndatabase:\n  password: '{value}'\n"
    assert gg002(tmp_path, {**CHART, "chart/values.yaml": values}) == []


def test_an_external_secret_key_name_beside_its_remote_ref_is_not_flagged(tmp_path: Path) -> None:
    values = """
    externalSecrets:
      data:
        - secretKey: db-password
          remoteRef:
            key: payments/db
            property: password
    csi:
      objects:
        - objectName: payments-api-token
          apiToken: payments-api-token
    """
    assert gg002(tmp_path, {**CHART, "chart/values.yaml": values}) == []
    alone = "auth:\n  secretKey: db-password\n"  # without a remote reference it is a value
    assert len(gg002(tmp_path, {**CHART, "chart/values.yaml": alone})) == 1


@pytest.mark.parametrize(
    "value",
    ["Q2FyZ29z/bGVhcm5pbmc", "AbC+dEf/GhI=", "s3cr3t/Pa55", "a8f3k2j9/x7w2k1"],
)
def test_random_tokens_with_slashes_are_still_flagged(tmp_path: Path, value: str) -> None:
    values = f"api:\n  token: '{value}'\n"
    assert len(gg002(tmp_path, {**CHART, "chart/values.yaml": values})) == 1


def test_a_secret_generator_literal_with_a_host_is_not_flagged(tmp_path: Path) -> None:
    kustomization = """
    secretGenerator:
      - name: app
        literals:
          - DATABASE_HOST=postgres.db.svc:5432
    """
    assert gg002(tmp_path, {"kustomization.yaml": kustomization}) == []
