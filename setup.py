"""Multi-cloud digital twin on AWS CDK and CDK Terrain."""

from setuptools import find_packages, setup

setup(
    name="multicloud-digital-twin",
    version="0.1.0",
    description="Deploys a five-layer digital twin across AWS, Azure and Google Cloud from one cdk synth.",
    python_requires=">=3.11",
    packages=find_packages(
        include=["twin_model", "twin_model.*", "cdk_app", "cdk_app.*", "constructs_lib", "constructs_lib.*", "runtime", "runtime.*",
                 "twin_ops", "twin_ops.*", "twin_contract", "twin_contract.*"]
    ),
    install_requires=[
        "aws-cdk-lib==2.275.0",
        "constructs==10.7.2",  # cdktn caps constructs<10.8
        "cdktn==0.24.0",
        "cdktn-provider-aws==25.8.1",
        "cdktn-provider-azurerm==18.9.0",
        "cdktn-provider-google==21.1.0",
        "cdktn-provider-random==15.0.1",
        "boto3==1.44.8",
        "PyYAML==6.0.4",  # Google workflows in YAML (the predecessor's newer format), read strictly
    ],
    extras_require={
        "dev": [
            "pytest==9.2.0",
            "pytest-xdist==3.8.0",  # `make test` runs two workers
            "syrupy==7.0.1",
            "moto[all,server]==5.2.5",  # server mode: `make local` runs moto as a local AWS endpoint
            "amqtt==0.12.1",  # `make local`'s device MQTT broker (TLS, client certificates) where mosquitto is not installed
            "cfn-lint==1.58.0",
            "cdk-nag==3.0.2",
            "ruff==0.17.6",  # `make lint` (ruff.toml)
            "mypy==2.4.1",  # `make lint` (mypy.ini: strict on twin_model, runtime core, contract)
            "types-PyYAML==6.0.12.20261122",  # mypy: the project loader reads Google workflows in YAML
            "hypothesis==6.170.17",  # property-based fuzzing: the project loader, the bridge receivers
            # Azure Functions request objects for runtime/azure tests (the only Azure package it uses).
            "azure-functions==1.26.0",
            # Google Cloud runtime tests: the handlers' libraries, functions-framework and a GCS emulator.
            "functions-framework==3.10.2",
            "gcp-storage-emulator==2026.7.19",
            "google-cloud-storage==3.17.1",
            "google-cloud-firestore==2.34.1",
            "google-cloud-pubsub==2.44.0",
            "google-cloud-secret-manager==2.32.0",
            "google-auth==2.63.0",
            # The deploy extra's packages, for the simulator's broker tests and `make deploy`.
            "paho-mqtt==2.2.0",
            "azure-identity==1.27.0",
        ],
        # `python -m twin_ops post-deploy|simulate`: imported lazily, never by `make synth`.
        "deploy": [
            "paho-mqtt==2.2.0",  # simulator: MQTT to AWS IoT Core and Azure IoT Hub
            "azure-identity==1.27.0",  # Azure post-deploy steps: Entra ID tokens for IoT Hub / Digital Twins REST
            "google-cloud-pubsub==2.44.0",  # simulator: Pub/Sub on Google
        ],
    },
)
