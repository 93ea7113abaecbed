"""GG001: CI never reaches the cluster - positive and negative pipelines on every platform."""

from __future__ import annotations

from pathlib import Path

import pytest
from gg_helpers import line_of, of, scan_files, scan_path

WF = ".github/workflows/deploy.yml"


def gg001(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, int, str]]:
    result = scan_files(tmp_path, files)
    return [(f.path, f.line, f.message) for f in of(result, "GG001")]


def workflow(steps: str, extra_job: str = "") -> dict[str, str]:
    body = "\n".join("      " + line for line in steps.strip("\n").splitlines())
    return {
        WF: (
            "name: deploy\non: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n"
            f"    steps:\n      - uses: actions/checkout@v4\n{body}\n{extra_job}"
        )
    }


# -- GitHub Actions: flagged ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "needle"),
    [
        ("- run: kubectl apply -f k8s/", "kubectl apply"),
        ("- run: kustomize build overlays/prod | kubectl apply -f -", "kubectl apply"),
        ("- run: helm upgrade --install web ./chart -n web", "helm upgrade"),
        ("- run: helm install web ./chart", "helm install"),
        ("- run: helm uninstall web", "helm uninstall"),
        ("- run: helm rollback web 3", "helm rollback"),
        ("- run: kubectl delete pod -l app=web", "kubectl delete"),
        ("- run: kubectl -n web rollout restart deployment/web", "rollout restart"),
        (
            "- run: kubectl set image deployment/web web=ghcr.io/o/web:${{ github.sha }}",
            "kubectl set",
        ),
        (
            "- run: kubectl --context prod --namespace web scale deploy/web --replicas=3",
            "scale deploy",
        ),
        ("- run: kubectl patch deploy web -p '{\"spec\":{}}'", "kubectl patch"),
        ("- run: kubectl create namespace web", "kubectl create"),
        ("- run: kubectl apply --dry-run=none -f x.yaml", "kubectl apply"),
        ("- run: kubectl apply --server-side -k overlays/prod", "kubectl apply"),
        ("- run: sudo -E kubectl apply -f x.yaml", "kubectl apply"),
        ("- run: KUBECONFIG=/tmp/kc kubectl apply -f x.yaml", "kubectl apply"),
        ("- run: env -i PATH=$PATH kubectl apply -f x.yaml", "kubectl apply"),
        ("- run: timeout 300 helm upgrade web ./chart --wait", "helm upgrade"),
        ('- run: bash -c "kubectl delete ns preview-${{ github.event.number }}"', "kubectl delete"),
        ("- run: set -e; cd deploy && kubectl apply -f .", "kubectl apply"),
        ("- run: ./bin/kubectl apply -f x.yaml", "kubectl apply"),
        ("- run: oc apply -f openshift/", "oc apply"),
        ("- run: skaffold run -p prod", "skaffold run"),
        ("- run: skaffold deploy --images web=ghcr.io/o/web:1", "skaffold deploy"),
        ("- run: argocd app sync web --prune", "argocd app sync"),
        (
            "- run: argocd app create web --repo https://x --path k8s --dest-server https://y",
            "argocd app create",
        ),
        ("- run: flux reconcile kustomization apps --with-source", "flux reconcile"),
        ("- run: flux bootstrap github --owner=o --repository=fleet", "flux bootstrap"),
        ("- run: helmfile -e production apply", "helmfile -e"),
        ("- run: helmfile sync", "helmfile sync"),
        ("- run: helm secrets upgrade web ./chart -f secrets.yaml", "helm secrets"),
        ("- run: kapp deploy -a web -f config/ -y", "kapp deploy"),
        ("- run: werf converge --repo ghcr.io/o/web", "werf converge"),
        (
            "- run: gcloud container clusters get-credentials prod --zone europe-west1-b",
            "get-credentials",
        ),
        (
            "- run: gcloud --project p beta container clusters get-credentials prod",
            "get-credentials",
        ),
        ("- run: aws eks update-kubeconfig --name prod --region eu-west-1", "update-kubeconfig"),
        ("- run: aws eks --region eu-west-1 update-kubeconfig --name prod", "update-kubeconfig"),
        ("- run: az aks get-credentials -g rg -n prod --overwrite-existing", "get-credentials"),
        ("- run: doctl kubernetes cluster kubeconfig save prod", "kubeconfig save"),
        ("- run: eksctl utils write-kubeconfig --cluster prod", "write-kubeconfig"),
        ("- run: oc login --token=${{ secrets.OC_TOKEN }} --server=https://api.x:6443", "oc login"),
        ('- run: echo "${{ secrets.KUBECONFIG }}" | base64 -d > $HOME/.kube/config', "kube/config"),
        ('- run: echo "${{ secrets.KUBE_CONFIG }}" > kubeconfig.yaml', "kubeconfig.yaml"),
        (
            "- uses: azure/aks-set-context@v4\n  with:\n    resource-group: rg\n"
            "    cluster-name: prod",
            "azure/aks-set-context",
        ),
        (
            "- uses: Azure/k8s-set-context@v4\n  with:\n    method: kubeconfig\n"
            "    kubeconfig: ${{ secrets.KUBECONFIG }}",
            "Azure/k8s-set-context",
        ),
        (
            "- uses: azure/k8s-deploy@v5\n  with:\n    manifests: k8s/\n    images: web:1",
            "azure/k8s-deploy",
        ),
        (
            "- uses: google-github-actions/get-gke-credentials@v2\n  with:\n"
            "    cluster_name: prod\n    location: europe-west1",
            "get-gke-credentials",
        ),
        (
            "- uses: deliverybot/helm@v1\n  with:\n    release: web\n    chart: ./chart",
            "deliverybot/helm",
        ),
        (
            "- uses: steebchen/kubectl@v2.0.0\n  with:\n    config: ${{ secrets.KUBE_CONFIG_DATA }}"
            "\n    command: apply -f k8s/",
            "command: apply",
        ),
        (
            "- uses: actions-hub/kubectl@master\n  with:\n    args: rollout restart deploy/web",
            "rollout restart",
        ),
        (
            "- uses: wahyd4/kubectl-helm-action@master\n  with:\n"
            "    args: helm upgrade --install web ./chart",
            "args: helm",
        ),
        (
            "- uses: koslib/helm-eks-action@master\n  with:\n"
            "    command: helm upgrade web ./chart --install",
            "command: helm",
        ),
        (
            "- uses: stefanprodan/kube-tools@v1\n  with:\n    command: |\n"
            "      kustomize build . > out.yaml\n      kubectl apply -f out.yaml",
            "kubectl apply",
        ),
        (
            "- uses: clowdhaus/argo-cd-action@v2\n  with:\n    command: app sync\n    options: web",
            "command: app sync",
        ),
        (
            "- uses: tale/kubectl-action@v1\n  with:\n"
            "    base64-kube-config: ${{ secrets.KUBE_CONFIG }}",
            "tale/kubectl-action",
        ),
        (
            "- uses: redhat-actions/oc-login@v1\n  with:\n    openshift_server_url: https://x",
            "oc-login",
        ),
        (
            "- name: deploy\n  env:\n    KUBE_CONFIG_DATA: ${{ secrets.KUBE_CONFIG_DATA }}\n"
            "  run: ./deploy.sh",
            "KUBE_CONFIG_DATA",
        ),
    ],
)
def test_github_cluster_access_is_flagged(tmp_path: Path, steps: str, needle: str) -> None:
    found = gg001(tmp_path, workflow(steps))
    assert len(found) == 1, found
    path, line, message = found[0]
    assert path == WF
    assert line == line_of(tmp_path, WF, needle)
    assert "job 'deploy'" in message


@pytest.mark.parametrize(
    "steps",
    [
        "- run: kubectl kustomize overlays/prod > rendered.yaml",
        "- run: kustomize build overlays/prod | kubeconform -strict -summary",
        "- run: kubectl apply --dry-run=client -f k8s/",
        "- run: kubectl apply --dry-run=server -f k8s/",
        "- run: kubectl apply --dry-run -f k8s/",
        "- run: kubectl create secret generic db --from-literal=x=y --dry-run=client -o yaml "
        "| kubeseal --cert pub.pem > sealed.yaml",
        "- run: kubectl version --client",
        "- run: kubectl get pods -A && kubectl describe deploy web && kubectl explain pod",
        "- run: kubectl diff -f k8s/ || true",
        "- run: kubectl rollout status deploy/web",
        "- run: helm template web ./chart | kubeconform -",
        "- run: helm lint ./chart --strict",
        "- run: helm package ./chart && helm push web-1.0.0.tgz oci://ghcr.io/o/charts",
        "- run: helm repo add bitnami https://charts.bitnami.com/bitnami && helm dep update",
        "- run: helm upgrade --install web ./chart --dry-run",
        "- run: helm upgrade --install web ./chart --dry-run=client",
        "- run: helm diff upgrade web ./chart",
        "- run: helm --help",
        "- run: kubeval --strict k8s/*.yaml",
        "- run: flux build kustomization apps --path ./apps --dry-run",
        "- run: flux install --export > clusters/prod/flux-system/gotk-components.yaml",
        "- run: flux create source git app --url=https://x --branch=main --export > src.yaml",
        "- run: flux migrate -f . --yes",
        "- run: flux push artifact oci://ghcr.io/o/manifests:${{ github.sha }} --path=./k8s "
        "--source=x --revision=y",
        "- run: skaffold build --file-output=tags.json",
        "- run: skaffold render --digest-source=local",
        "- run: argocd app diff web --local k8s/",
        "- run: helmfile template && helmfile lint",
        "- run: echo kubectl apply -f k8s/",
        '- run: echo "run kubectl apply -f k8s/ to deploy"',
        "- run: |\n    # kubectl apply -f k8s/\n    echo done",
        "- run: |\n    cat <<EOF > deploy.sh\n    kubectl apply -f k8s/\n    EOF\n"
        "    chmod +x deploy.sh",
        "- run: |\n    cd overlays/prod\n    kustomize edit set image web=ghcr.io/o/web:${{ "
        "github.sha }}\n    git commit -am 'deploy' && git push",
        "- run: yq -i '.spec.template.spec.containers[0].image = \"x\"' k8s/deploy.yaml",
        "- uses: azure/setup-kubectl@v4",
        "- uses: azure/setup-helm@v4\n  with:\n    version: v3.14.0",
        "- uses: azure/k8s-bake@v3\n  with:\n    renderEngine: helm\n    helmChart: ./chart",
        "- uses: fluxcd/flux2/action@main",
        "- uses: docker/build-push-action@v6\n  with:\n    push: true\n    tags: ghcr.io/o/w:1",
        "- uses: aws-actions/configure-aws-credentials@v4\n  with:\n    aws-region: eu-west-1",
        "- name: set kubeconfig path\n  env:\n    KUBECONFIG: ${{ github.workspace }}/kubeconfig"
        "\n  run: echo ok",
        "- uses: steebchen/kubectl@v2.0.0\n  with:\n    command: version --client",
    ],
)
def test_github_render_and_validate_are_not_flagged(tmp_path: Path, steps: str) -> None:
    assert gg001(tmp_path, workflow(steps)) == []


@pytest.mark.parametrize(
    "setup",
    [
        "- uses: helm/kind-action@v1.10.0",
        "- uses: engineerd/setup-kind@v0.5.0",
        "- uses: container-tools/kind-action@v2",
        "- uses: AbsaOSS/k3d-action@v2\n  with:\n    cluster-name: test",
        "- uses: nolar/setup-k3d-k3s@v1",
        "- uses: debianmaster/actions-k3s@master",
        "- uses: jupyterhub/action-k3s-helm@v4",
        "- uses: medyagh/setup-minikube@latest",
        "- uses: manusa/actions-setup-minikube@v2.10.0",
        "- uses: balchua/microk8s-actions@v0.4.3",
        "- run: kind create cluster --config kind.yaml --wait 120s",
        "- run: go install sigs.k8s.io/kind@v0.23.0 && kind create cluster",
        "- run: k3d cluster create test --agents 2",
        "- run: minikube start --driver=docker",
        "- run: curl -sfL https://get.k3s.io | sh -",
        "- run: sudo snap install microk8s --classic",
        "- run: make kind-up",
        "- run: ./hack/create-kind-cluster.sh",
        "- run: ctlptl create cluster kind --registry=ctlptl-registry",
    ],
)
def test_throwaway_cluster_jobs_are_not_flagged(tmp_path: Path, setup: str) -> None:
    steps = (
        f"{setup}\n"
        "- run: |\n"
        "    kubectl apply -f k8s/\n"
        "    helm upgrade --install web ./chart --wait\n"
        "    kubectl -n web rollout restart deploy/web\n"
        "    flux install && flux create source git x --url=https://x --branch=main\n"
        "    argocd app sync web\n"
        "- run: kubectl delete -f k8s/\n"
    )
    assert gg001(tmp_path, workflow(steps)) == []


def test_throwaway_cluster_after_the_deploy_step_still_counts(tmp_path: Path) -> None:
    steps = "- run: kubectl apply -f k8s/\n- uses: helm/kind-action@v1\n"
    assert gg001(tmp_path, workflow(steps)) == []


def test_kind_in_another_job_does_not_cover_a_deploy_job(tmp_path: Path) -> None:
    other = (
        "  e2e:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: helm/kind-action@v1\n      - run: kubectl apply -f k8s/\n"
    )
    found = gg001(tmp_path, workflow("- run: helm upgrade web ./chart", extra_job=other))
    assert [m for _, _, m in found if "job 'deploy'" in m]
    assert not [m for _, _, m in found if "job 'e2e'" in m]


def test_real_cluster_credentials_in_a_kind_job_are_still_flagged(tmp_path: Path) -> None:
    steps = (
        "- uses: helm/kind-action@v1\n"
        "- run: kubectl apply -f k8s/\n"
        "- uses: google-github-actions/get-gke-credentials@v2\n"
        "  with:\n    cluster_name: prod\n    location: europe-west1\n"
        '- run: echo "${{ secrets.KUBECONFIG }}" > ~/.kube/config\n'
    )
    found = gg001(tmp_path, workflow(steps))
    assert len(found) == 2
    assert "get-gke-credentials" in found[0][2]
    assert "secret" in found[1][2]


def test_ephemeral_cloud_cluster_created_in_the_job_is_a_test_cluster(tmp_path: Path) -> None:
    steps = (
        "- run: gcloud container clusters create e2e-${{ github.run_id }} --num-nodes 1\n"
        "- run: gcloud container clusters get-credentials e2e-${{ github.run_id }}\n"
        "- run: kubectl apply -f k8s/\n"
        "- run: gcloud container clusters delete e2e-${{ github.run_id }} --quiet\n"
    )
    assert gg001(tmp_path, workflow(steps)) == []


def test_exact_line_inside_a_multiline_run_block(tmp_path: Path) -> None:
    steps = (
        "- name: Deploy\n"
        "  run: |\n"
        "    echo deploying\n"
        "    helm dependency update ./chart\n"
        "\n"
        "    helm upgrade \\\n"
        "      --install web ./chart \\\n"
        "      --namespace web\n"
        "    kubectl -n web apply -f extra.yaml\n"
    )
    found = gg001(tmp_path, workflow(steps))
    assert len(found) == 1
    _, line, message = found[0]
    assert line == line_of(tmp_path, WF, "helm upgrade \\")
    assert "step 'Deploy'" in message and "+1 more" in message


def test_folded_and_quoted_scripts_point_at_the_command(tmp_path: Path) -> None:
    steps = "- name: folded\n  run: >\n    echo hi &&\n    kubectl apply -f k8s/\n"
    found = gg001(tmp_path, workflow(steps))
    assert [line for _, line, _ in found] == [line_of(tmp_path, WF, "kubectl apply")]


def test_one_finding_per_step(tmp_path: Path) -> None:
    steps = (
        "- name: creds\n  run: aws eks update-kubeconfig --name prod\n"
        "- name: apply\n  run: |\n    kubectl apply -f a.yaml\n    kubectl apply -f b.yaml\n"
    )
    found = gg001(tmp_path, workflow(steps))
    assert len(found) == 2
    assert "step 'creds'" in found[0][2] and "step 'apply'" in found[1][2]


def test_workflow_level_kubeconfig_secret(tmp_path: Path) -> None:
    files = {
        WF: """
        on: push
        env:
          KUBECONFIG_B64: ${{ secrets.KUBECONFIG_B64 }}
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: make build
        """
    }
    found = gg001(tmp_path, files)
    assert [line for _, line, _ in found] == [line_of(tmp_path, WF, "KUBECONFIG_B64:")]


def test_composite_action_is_read(tmp_path: Path) -> None:
    files = {
        ".github/actions/deploy/action.yml": """
        name: deploy
        runs:
          using: composite
          steps:
            - shell: bash
              run: helm upgrade --install web ./chart
        """
    }
    found = gg001(tmp_path, files)
    assert len(found) == 1 and "helm upgrade" in found[0][2]


def test_reusable_workflow_call_and_docker_steps_are_not_flagged(tmp_path: Path) -> None:
    files = {
        WF: """
        on: push
        jobs:
          call:
            uses: ./.github/workflows/other.yml
          image:
            runs-on: ubuntu-latest
            steps:
              - run: docker build -t web . && docker push ghcr.io/o/web:1
        """
    }
    assert gg001(tmp_path, files) == []


# -- GitLab CI ---------------------------------------------------------------------------------


def test_gitlab_deploy_jobs(tmp_path: Path) -> None:
    files = {
        ".gitlab-ci.yml": """
        include:
          - template: Auto-DevOps.gitlab-ci.yml
        stages: [build, deploy]
        variables:
          DOCKER_DRIVER: overlay2
        .kube: &kube
          image: bitnami/kubectl:1.30
          before_script:
            - kubectl config use-context my-group/my-project:prod-agent
        .helm-deploy:
          script:
            - helm upgrade --install web ./chart
        build:
          stage: build
          script:
            - docker build -t $CI_REGISTRY_IMAGE .
        deploy-prod:
          <<: *kube
          stage: deploy
          script:
            - echo deploying
            - kubectl apply -f k8s/
        deploy-helm:
          extends: .helm-deploy
          stage: deploy
        deploy-ref:
          stage: deploy
          script:
            - !reference [.helm-deploy, script]
        """
    }
    found = gg001(tmp_path, files)
    messages = " | ".join(m for _, _, m in found)
    assert "Auto DevOps" in messages
    assert "job 'deploy-prod'" in messages and "GitLab agent" in messages
    assert "job 'deploy-helm'" in messages
    lines = {line for _, line, _ in found}
    assert line_of(tmp_path, ".gitlab-ci.yml", "kubectl config use-context") in lines
    assert line_of(tmp_path, ".gitlab-ci.yml", "helm upgrade") in lines
    assert not [m for m in messages.split(" | ") if "job 'build'" in m]


def test_gitlab_kind_job_and_render_jobs_are_not_flagged(tmp_path: Path) -> None:
    files = {
        ".gitlab-ci.yml": """
        default:
          before_script:
            - echo hello
        validate:
          image: alpine/k8s:1.30.0
          script:
            - kustomize build overlays/prod | kubeconform -strict
            - helm lint chart/
            - kubectl apply --dry-run=client -f k8s/
        e2e:
          image: docker:24
          services:
            - docker:24-dind
          script:
            - kind create cluster --wait 60s
            - kubectl apply -f k8s/
            - helm install web ./chart --wait
        e2e-k3s:
          services:
            - name: rancher/k3s:v1.30.0-k3s1
              alias: k3s
          script:
            - kubectl apply -f k8s/
        """
    }
    assert gg001(tmp_path, files) == []


def test_gitlab_kubeconfig_from_a_ci_variable(tmp_path: Path) -> None:
    files = {
        ".gitlab-ci.yml": """
        deploy:
          variables:
            KUBECONFIG: $KUBE_CONFIG_PROD
          script:
            - kubectl get pods
        """
    }
    found = gg001(tmp_path, files)
    assert [line for _, line, _ in found] == [line_of(tmp_path, ".gitlab-ci.yml", "KUBECONFIG:")]


# -- Cloud Build, Jenkins, Azure, Bitbucket, CircleCI --------------------------------------


def test_cloudbuild(tmp_path: Path) -> None:
    files = {
        "cloudbuild.yaml": """
        steps:
          - name: gcr.io/cloud-builders/docker
            args: [build, -t, gcr.io/$PROJECT_ID/web, .]
          - name: gcr.io/cloud-builders/gke-deploy
            args: [prepare, --filename=k8s/, --image=gcr.io/$PROJECT_ID/web]
          - name: gcr.io/cloud-builders/kubectl
            id: apply
            args: [apply, -f, k8s/]
            env: [CLOUDSDK_COMPUTE_ZONE=europe-west1-b, CLOUDSDK_CONTAINER_CLUSTER=prod]
          - name: gcr.io/cloud-builders/gcloud
            entrypoint: bash
            args:
              - -c
              - |
                gcloud container clusters get-credentials prod --zone europe-west1-b
                kubectl get pods
          - name: gcr.io/cloud-builders/gke-deploy
            args: [run, --filename=k8s/, --cluster=prod]
        """
    }
    found = gg001(tmp_path, files)
    assert len(found) == 3
    assert found[0][1] == line_of(tmp_path, "cloudbuild.yaml", "args: [apply")
    assert found[1][1] == line_of(tmp_path, "cloudbuild.yaml", "gcloud container clusters")
    assert "gke-deploy run" in found[2][2]


def test_jenkinsfile(tmp_path: Path) -> None:
    files = {
        "Jenkinsfile": """
        pipeline {
          agent any
          stages {
            stage('Build') {
              steps {
                sh 'docker build -t web .'
                sh "helm template web ./chart > out.yaml"
              }
            }
            stage('Deploy') {
              steps {
                withKubeConfig([credentialsId: 'kubeconfig-prod']) {
                  sh '''
                    echo deploying
                    kubectl apply -f k8s/
                  '''
                }
              }
            }
          }
        }
        """
    }
    found = gg001(tmp_path, files)
    lines = sorted(line for _, line, _ in found)
    assert lines == [
        line_of(tmp_path, "Jenkinsfile", "withKubeConfig"),
    ] or lines == sorted(
        [
            line_of(tmp_path, "Jenkinsfile", "withKubeConfig"),
            line_of(tmp_path, "Jenkinsfile", "kubectl apply"),
        ]
    )
    assert all("Deploy" in m for _, _, m in found)


def test_jenkinsfile_with_kind_is_a_test_pipeline(tmp_path: Path) -> None:
    files = {
        "Jenkinsfile": """
        node {
          stage('e2e') {
            sh 'kind create cluster'
            sh 'kubectl apply -f k8s/ && helm install web ./chart'
          }
        }
        """
    }
    assert gg001(tmp_path, files) == []


def test_azure_pipelines(tmp_path: Path) -> None:
    files = {
        "azure-pipelines.yml": """
        trigger: [main]
        stages:
          - stage: build
            jobs:
              - job: build
                steps:
                  - script: docker build -t web .
                  - task: KubernetesManifest@1
                    inputs:
                      action: bake
                      renderType: helm
          - stage: deploy
            jobs:
              - deployment: deploy
                environment: prod
                strategy:
                  runOnce:
                    deploy:
                      steps:
                        - task: KubernetesManifest@1
                          displayName: Deploy manifests
                          inputs:
                            action: deploy
                            manifests: k8s/*.yaml
                        - task: HelmDeploy@0
                          displayName: Helm upgrade
                          inputs:
                            command: upgrade
                            chartType: FilePath
                        - task: AzureCLI@2
                          displayName: creds
                          inputs:
                            scriptType: bash
                            scriptLocation: inlineScript
                            inlineScript: |
                              az aks get-credentials -g rg -n prod
                        - bash: kubectl rollout restart deploy/web
                          displayName: restart
        """
    }
    found = gg001(tmp_path, files)
    assert len(found) == 4
    assert all("job 'deploy'" in m for _, _, m in found)
    assert found[2][1] == line_of(tmp_path, "azure-pipelines.yml", "az aks get-credentials")


def test_bitbucket_and_circleci(tmp_path: Path) -> None:
    files = {
        "bitbucket-pipelines.yml": """
        pipelines:
          branches:
            main:
              - step:
                  name: test
                  script:
                    - helm lint chart
              - step:
                  name: deploy
                  script:
                    - pipe: atlassian/aws-eks-kubectl-run:2.8.0
                      variables:
                        CLUSTER_NAME: prod
                        KUBECTL_COMMAND: apply
                        RESOURCE_PATH: k8s/
        """,
        ".circleci/config.yml": """
        version: 2.1
        orbs:
          aws-eks: circleci/aws-eks@2.2.0
          kubernetes: circleci/kubernetes@1.3
        jobs:
          deploy:
            docker:
              - image: cimg/python:3.12
            steps:
              - checkout
              - kubernetes/install-kubectl
              - aws-eks/update-kubeconfig-with-authenticator:
                  cluster-name: prod
              - run:
                  name: apply
                  command: kubectl apply -f k8s/
        workflows:
          main:
            jobs:
              - deploy
        """,
    }
    found = gg001(tmp_path, files)
    paths = sorted({p for p, _, _ in found})
    assert paths == [".circleci/config.yml", "bitbucket-pipelines.yml"]
    assert len([p for p, _, _ in found if p == ".circleci/config.yml"]) == 2


# -- corpora -----------------------------------------------------------------------------------


def test_flux_example_e2e_kind_workflow_is_not_flagged(corpora: Path) -> None:
    repo = corpora / "flux2-kustomize-helm-example"
    if not repo.is_dir():
        pytest.skip("flux2-kustomize-helm-example corpus is absent")
    assert of(scan_path(repo), "GG001") == []


def test_cfngoat_workflows_are_not_flagged(corpora: Path) -> None:
    repo = corpora / "cfngoat"
    if not repo.is_dir():
        pytest.skip("cfngoat corpus is absent")
    assert of(scan_path(repo), "GG001") == []


def test_flux_e2e_without_kind_would_be_flagged(corpora: Path, tmp_path: Path) -> None:
    """The same e2e workflow minus its kind step reaches a real cluster: flagged."""
    source = corpora / "flux2-kustomize-helm-example" / ".github" / "workflows" / "e2e.yaml"
    if not source.is_file():
        pytest.skip("flux2-kustomize-helm-example corpus is absent")
    text = source.read_text().replace("helm/kind-action", "actions/cache")
    text = text.replace("Kubernetes Kind", "Kubernetes")
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "e2e.yaml").write_text(text)
    found = of(scan_path(tmp_path), "GG001")
    assert found and all(f.line > 0 for f in found)
    assert any("flux install" in f.message for f in found)


@pytest.mark.parametrize(
    ("step", "needle"),
    [
        (
            "- uses: gane5hvarma/kubectl-actions@master\n  with:\n    args: apply -f deploy.yaml",
            "args: apply",
        ),
        (
            "- uses: someone/aws-eks-action@v0.1\n  with:\n    args: |\n"
            "      kubectl set image deployment/web web=x:1 &&\n"
            "      kubectl rollout status deployment/web",
            "kubectl set image",
        ),
        (
            "- uses: someone/helm-action@v1\n  with:\n    command: upgrade --install web ./chart",
            "command: upgrade",
        ),
    ],
)
def test_unknown_kubectl_wrapper_actions_are_read(tmp_path: Path, step: str, needle: str) -> None:
    found = gg001(tmp_path, workflow(step))
    assert [line for _, line, _ in found] == [line_of(tmp_path, WF, needle)]


def test_unknown_wrapper_reading_only_is_not_flagged(tmp_path: Path) -> None:
    step = "- uses: someone/kubectl-action@v1\n  with:\n    args: get pods -A"
    assert gg001(tmp_path, workflow(step)) == []


def test_cluster_provider_action_picking_kind_in_an_input_is_a_test_job(tmp_path: Path) -> None:
    # Generic cluster-provider actions (inercia/cluster-providers, the action testing itself
    # with `uses: ./`) name the throwaway tool in an input, not in the action's name.
    files = {
        WF: """
        on: pull_request
        jobs:
          kind-test:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - name: Create cluster
                uses: ./
                with:
                  provider: kind
                  command: create
              - run: kubectl apply -f test.yaml
          k3d-test:
            runs-on: ubuntu-latest
            steps:
              - uses: someone/cluster-providers@main
                with: {provider: k3d, command: create}
              - run: helm install web ./chart
        """
    }
    assert gg001(tmp_path, files) == []


def test_an_input_merely_mentioning_kind_does_not_excuse_a_deploy(tmp_path: Path) -> None:
    step = (
        "- uses: someone/notify@v1\n  with:\n    message: deployed kind of quickly\n"
        "- run: kubectl apply -f k8s/"
    )
    assert len(gg001(tmp_path, workflow(step))) == 1


@pytest.mark.parametrize(
    "uses",
    [
        "someone/apply-and-sync-argocd@v1.0.6",
        "someone/action-argocd-sync-app@v2",
        "someone/argo-cd-sync@v1",
        "someone/eks-deploy@v3",
        "someone/k8s-deployment-action@v1",
    ],
)
def test_unknown_actions_named_for_sync_or_deploy_are_flagged(tmp_path: Path, uses: str) -> None:
    step = f"- name: Sync\n  uses: {uses}\n  with:\n    token: ${{{{ secrets.ARGOCD_TOKEN }}}}"
    found = gg001(tmp_path, workflow(step))
    assert [line for _, line, _ in found] == [line_of(tmp_path, WF, "uses: someone/")]


@pytest.mark.parametrize(
    "uses",
    [
        "someone/setup-argocd@v1",
        "someone/argocd-diff-action@v1",
        "stefanprodan/helm-gh-pages@v1",
        "someone/helm-docs-deploy@v1",
        "someone/deploy-to-pages@v1",
    ],
)
def test_actions_that_only_install_render_or_publish_are_not_flagged(
    tmp_path: Path, uses: str
) -> None:
    assert gg001(tmp_path, workflow(f"- uses: {uses}")) == []


def test_job_named_for_a_kind_cluster_is_a_test_job(tmp_path: Path) -> None:
    files = {
        WF: """
        on: pull_request
        jobs:
          e2e:
            name: Run E2E workflow on KinD cluster
            runs-on: ubuntu-latest
            steps:
              - run: bin/test-workflow/start --ci-apps
              - run: kubectl apply -f k8s/ && helm install web ./chart
        """
    }
    assert gg001(tmp_path, files) == []


COMPOSITE_KIND = """
name: cluster
runs:
  using: composite
  steps:
    - uses: helm/kind-action@v1
"""
COMPOSITE_DEPLOY = """
name: deploy test app
runs:
  using: composite
  steps:
    - shell: bash
      run: kubectl apply -f test/manifests/
"""


def test_local_composite_action_that_creates_kind_covers_the_job(tmp_path: Path) -> None:
    files = {
        ".github/actions/cluster/action.yml": COMPOSITE_KIND,
        ".github/actions/deploy-test-app/action.yml": COMPOSITE_DEPLOY,
        WF: """
        on: pull_request
        jobs:
          e2e:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - uses: ./.github/actions/cluster
              - uses: ./.github/actions/deploy-test-app
              - run: helm install web ./chart --wait
        """,
    }
    assert gg001(tmp_path, files) == []


def test_local_composite_action_used_by_a_deploy_job_is_flagged(tmp_path: Path) -> None:
    files = {
        ".github/actions/deploy-test-app/action.yml": COMPOSITE_DEPLOY,
        WF: """
        on: push
        jobs:
          e2e:
            runs-on: ubuntu-latest
            steps:
              - uses: helm/kind-action@v1
              - uses: ./.github/actions/deploy-test-app
          deploy:
            runs-on: ubuntu-latest
            steps:
              - uses: ./.github/actions/deploy-test-app
        """,
    }
    found = gg001(tmp_path, files)
    assert [p for p, _, _ in found] == [".github/actions/deploy-test-app/action.yml"]


def test_gitlab_templates_from_local_includes(tmp_path: Path) -> None:
    files = {
        ".gitlab/ci/templates/kubernetes.gitlab-ci.yaml": """
        .kubernetes_apply:
          script:
            - kubectl apply -f rendered.yaml
        .render:
          script:
            - kustomize build overlays/prod > rendered.yaml
        """,
        ".gitlab-ci.yml": """
        include:
          - local: /.gitlab/ci/templates/*.yaml
        render:
          extends: .render
        deploy_production:
          extends:
            - .render
            - .kubernetes_apply
          environment: production
        """,
    }
    found = gg001(tmp_path, files)
    assert [(p, line) for p, line, _ in found] == [
        (".gitlab-ci.yml", line_of(tmp_path, ".gitlab-ci.yml", "deploy_production:"))
    ]
    assert "from .gitlab/ci/templates/kubernetes.gitlab-ci.yaml:3" in found[0][2]


def test_gitlab_script_anchor_with_shell_functions(tmp_path: Path) -> None:
    files = {
        ".gitlab-ci.yml": """
        .functions: &functions |
          deploy() {
            echo "${KUBE_CONFIG}" | base64 -d > kubeconfig
            helm upgrade --install "$1" chart/
          }
        production:
          script:
            - *functions
            - deploy web
        """
    }
    found = gg001(tmp_path, files)
    assert [line for _, line, _ in found] == [line_of(tmp_path, ".gitlab-ci.yml", "base64 -d")]
    assert "+1 more" in found[0][2]


def test_gitlab_jobs_defined_in_an_included_file_that_is_not_named_as_ci(tmp_path: Path) -> None:
    # `.gitlab/jobs/review.gitlab-ci.yaml` is not scanned as CI on its own: its jobs are judged
    # with the pipeline that includes it, at the include line; a `.gitlab/ci/` file still reports
    # its own jobs, once.
    files = {
        ".gitlab/jobs/review.gitlab-ci.yaml": """
        review_apps:
          stage: review
          script:
            - kubectl apply -f .k8s/deployment.yaml -n $KUBE_NAMESPACE
        lint:
          script:
            - helm lint chart/
        overridden:
          script:
            - kubectl delete -f .k8s/
        """,
        ".gitlab/ci/deploy.yml": """
        deploy_prod:
          script:
            - helm upgrade --install web chart/
        """,
        ".gitlab-ci.yml": """
        include:
          - local: .gitlab/jobs/review.gitlab-ci.yaml
          - local: .gitlab/ci/deploy.yml
        overridden:
          script:
            - echo nothing
        """,
    }
    found = gg001(tmp_path, files)
    assert sorted((p, line) for p, line, _ in found) == [
        (".gitlab-ci.yml", line_of(tmp_path, ".gitlab-ci.yml", "review.gitlab-ci.yaml")),
        (".gitlab/ci/deploy.yml", line_of(tmp_path, ".gitlab/ci/deploy.yml", "helm upgrade")),
    ]
    message = next(m for p, _, m in found if p == ".gitlab-ci.yml")
    assert "'review_apps'" in message and "from .gitlab/jobs/review.gitlab-ci.yaml:4" in message


MAKEFILE = (
    "KUBECTL ?= kubectl\n"
    "KUSTOMIZE ?= $(LOCALBIN)/kustomize\n"
    ".PHONY: deploy\n"
    "build: ## Build\n\tgo build ./...\n"
    "manifests:\n\t@echo manifests\n"
    "deploy: manifests ## Deploy to the cluster in ~/.kube/config\n"
    "\t$(KUSTOMIZE) build config/default | $(KUBECTL) apply -f -\n"
    "kind-up:\n\tkind create cluster --name dev\n"
    "e2e: kind-up deploy\n\tgo test ./test/e2e/...\n"
)


def test_make_targets_and_scripts_are_followed(tmp_path: Path) -> None:
    files = {
        "Makefile": MAKEFILE,
        "scripts/deploy.sh": "#!/bin/sh\nset -e\nhelm upgrade --install web ./chart\n",
        "scripts/render.sh": "#!/bin/sh\nhelm template web ./chart > out.yaml\n",
        WF: """
        on: push
        jobs:
          deploy:
            runs-on: ubuntu-latest
            steps:
              - run: make build
              - run: make deploy IMG=ghcr.io/o/web:1
              - run: ./scripts/render.sh && bash scripts/deploy.sh
          e2e:
            runs-on: ubuntu-latest
            steps:
              - run: make e2e
        """,
    }
    found = gg001(tmp_path, files)
    assert [(line, m.split("`")[1]) for _, line, m in found] == [
        (line_of(tmp_path, WF, "make deploy"), "make deploy: kubectl apply"),
        (line_of(tmp_path, WF, "scripts/deploy.sh"), "scripts/deploy.sh: helm upgrade"),
    ]


def test_script_creating_kind_marks_a_test_job(tmp_path: Path) -> None:
    files = {
        "hack/e2e.sh": "kind create cluster\nkubectl apply -f test/\n",
        WF: """
        on: pull_request
        jobs:
          e2e:
            runs-on: ubuntu-latest
            steps:
              - run: ./hack/e2e.sh
              - run: kubectl apply -f more/
        """,
    }
    assert gg001(tmp_path, files) == []


# -- whole workflows modelled on common real-world shapes ------------------------------------

GKE_STARTER = """
name: Build and Deploy to GKE
on:
  push:
    branches: [main]
env:
  PROJECT_ID: ${{ secrets.GKE_PROJECT }}
  GKE_CLUSTER: cluster-1
  GKE_ZONE: us-central1-c
  IMAGE: static-site
jobs:
  setup-build-publish-deploy:
    name: Setup, Build, Publish, and Deploy
    runs-on: ubuntu-latest
    environment: production
    steps:
      - uses: actions/checkout@v4
      - uses: google-github-actions/auth@v2
        with:
          credentials_json: ${{ secrets.GKE_SA_KEY }}
      - uses: google-github-actions/get-gke-credentials@v2
        with:
          cluster_name: ${{ env.GKE_CLUSTER }}
          location: ${{ env.GKE_ZONE }}
      - name: Build
        run: |-
          docker build --tag "gcr.io/$PROJECT_ID/$IMAGE:$GITHUB_SHA" .
      - name: Publish
        run: docker push "gcr.io/$PROJECT_ID/$IMAGE:$GITHUB_SHA"
      - name: Set up Kustomize
        run: |-
          curl -sfLo kustomize https://github.com/kubernetes-sigs/kustomize/releases/download/v3.1.0/kustomize_3.1.0_linux_amd64
          chmod u+x ./kustomize
      - name: Deploy
        run: |-
          ./kustomize edit set image app=gcr.io/$PROJECT_ID/$IMAGE:$GITHUB_SHA
          ./kustomize build . | kubectl apply -f -
          kubectl rollout status deployment/$DEPLOYMENT_NAME
          kubectl get services -o wide
"""

CHART_TESTING = """
name: Lint and Test Charts
on: pull_request
jobs:
  lint-test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - uses: azure/setup-helm@v4
      - uses: helm/chart-testing-action@v2.6.1
      - name: Run chart-testing (list-changed)
        id: list-changed
        run: |
          changed=$(ct list-changed --target-branch ${{ github.event.repository.default_branch }})
          if [[ -n "$changed" ]]; then
            echo "changed=true" >> "$GITHUB_OUTPUT"
          fi
      - name: Run chart-testing (lint)
        if: steps.list-changed.outputs.changed == 'true'
        run: ct lint --target-branch ${{ github.event.repository.default_branch }}
      - name: Create kind cluster
        if: steps.list-changed.outputs.changed == 'true'
        uses: helm/kind-action@v1.10.0
      - name: Run chart-testing (install)
        if: steps.list-changed.outputs.changed == 'true'
        run: ct install --target-branch ${{ github.event.repository.default_branch }}
"""

IMAGE_BUMP = """
name: release
on:
  push:
    tags: ['v*']
jobs:
  publish:
    runs-on: ubuntu-latest
    permissions:
      contents: write
      packages: write
    steps:
      - uses: actions/checkout@v4
      - uses: docker/login-action@v3
        with:
          registry: ghcr.io
          username: ${{ github.actor }}
          password: ${{ secrets.GITHUB_TOKEN }}
      - uses: docker/build-push-action@v6
        with:
          push: true
          tags: ghcr.io/org/app:${{ github.ref_name }}
      - name: Bump the image in the fleet repository
        env:
          GH_TOKEN: ${{ secrets.FLEET_TOKEN }}
        run: |
          git clone https://x-access-token:${GH_TOKEN}@github.com/org/fleet.git
          cd fleet/apps/app/overlays/production
          kustomize edit set image app=ghcr.io/org/app:${{ github.ref_name }}
          yq -i '.spec.chart.spec.version = "${{ github.ref_name }}"' ../../release.yaml
          git commit -am "app ${{ github.ref_name }}"
          git push
      - name: Validate
        run: |
          kustomize build fleet/apps/app/overlays/production | kubeconform -strict
          flux build kustomization app --path fleet/apps/app --kustomization-file k.yaml --dry-run
"""


def test_gke_starter_shape_is_flagged_at_credentials_and_deploy(tmp_path: Path) -> None:
    found = gg001(tmp_path, {WF: GKE_STARTER})
    assert [line for _, line, _ in found] == [
        line_of(tmp_path, WF, "get-gke-credentials@"),
        line_of(tmp_path, WF, "build . | kubectl apply"),
    ]


def test_chart_testing_with_kind_is_not_flagged(tmp_path: Path) -> None:
    assert gg001(tmp_path, {WF: CHART_TESTING}) == []
    without_kind = CHART_TESTING.replace("helm/kind-action@v1.10.0", "actions/cache@v4")
    without_kind = without_kind.replace("Create kind cluster", "Cache")
    found = gg001(tmp_path / "b", {WF: without_kind})
    assert [m.split("`")[1] for _, _, m in found] == ["ct install"]


def test_gitops_image_bump_pipeline_is_not_flagged(tmp_path: Path) -> None:
    assert gg001(tmp_path, {WF: IMAGE_BUMP}) == []
