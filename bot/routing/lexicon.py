"""Built-in vocabularies that decide whether a message is about cloud cost at all.

They are not topics: they say nothing about who owns a message, only whether
the message is a FinOps matter ("a party budget is not a cloud budget") and
whether an automated notice reports something that crossed a line.
"""

from __future__ import annotations

CLOUD = "__cloud__"
MONEY = "__money__"
INFO = "__info__"
ACTION = "__action__"

CONTEXT_GROUPS = (CLOUD, MONEY, INFO, ACTION)

CLOUD_TERMS: tuple[str, ...] = (
    "aws", "amazon web services", "azure", "gcp", "google cloud", "cloud", "clouds", "ec2", "s3",
    "rds", "ebs", "efs", "lambda", "fargate", "eks", "gke", "aks", "ecs", "k8s", "kubernetes",
    "cluster", "namespace", "ns", "pod", "pods", "node", "nodes", "instance", "instances", "vm",
    "vms", "virtual machine", "virtual machines", "vcpu", "vcpus", "cpu", "gpu", "gpus", "region",
    "regions", "AZ", "availability zone", "account", "accounts", "billing account", "tenant",
    "snowflake", "databricks", "bigquery", "redshift", "datadog", "kubecost", "opencost", "vantage",
    "cloudzero", "infracost", "cloudhealth", "apptio", "finops", "saas", "terraform", "storage",
    "bucket", "buckets", "egress", "compute", "workload", "workloads", "database", "databases",
    "cloudwatch", "log groups", "cdn", "cloudfront", "sandbox", "staging", "prod", "production",
    "guardduty", "security hub", "marketplace", "RI", "SP", "CUD", "EDP", "MACC", "PPA", "committed use", "trusted advisor",
    "compute optimizer", "cost optimization hub", "azure advisor", "subscription id",
    "resource group", "usage type", "sku", "oracle", "confluent", "github",
    "openai", "llm", "vertex", "bedrock", "sagemaker", "nat gateway", "load balancer",
    "load balancers", "volume", "volumes", "snapshot", "snapshots", "disk", "disks", "ci", "runner",
    "runners", "api", "migration", "data transfer", "datacenter", "data center", "on-prem",
    "infrastructure", "infra", "platform", "vpc", "balancer",
    "FOCUS", "splunk", "new relic", "elastic cloud", "mongodb atlas", "atlassian", "jira",
    "salesforce", "servicenow", "okta", "data warehouse", "balancers", "ip", "ips", "subnet", "endpoint", "endpoints", "elastic ip", "cloud provider",
)

MONEY_TERMS: tuple[str, ...] = (
    "cost", "costs", "costing", "spend", "spending", "spent", "bill", "bills", "billing", "billed",
    "invoice", "invoices", "charge", "charges", "charged", "price", "pricing", "priced", "fee",
    "fees", "budget", "budgets", "savings", "save", "saving", "dollars", "usd", "expensive",
    "cheap", "cheaper", "pay", "paying", "paid", "overage", "discount", "discounts", "money",
    "finops", "opex", "capex", "commit", "commitment", "commitments", "credits", "amortized",
    "unblended", "blended", "on-demand", "true-up", "license fee", "licence fee", "spend change",
    "cost change", "overrun", "overspend", "capitalize", "capitalise", "tco", "cogs",
    "unit economics", "chargeback", "showback", "kosten", "ausgaben", "rechnung", "coût", "coûts",
    "facture", "dépenses", "costo", "costos", "coste", "costes", "gasto", "gastos", "factura",
    "presupuesto",
)

# Notices that report without anything having crossed a line: the routine
# GCP budget update, a weekly report, a cost decrease, a tool health check.
INFO_TERMS: tuple[str, ...] = (
    "budget update", "recurring update", "recurringUpdate", "weekly report", "weekly summary",
    "daily summary", "monthly summary", "weekly digest", "daily digest", "will decrease",
    "cost decrease", "cost will decrease", "decrease by", "diagnostic", "health check",
    "is unreachable", "no action required", "no action needed", "for your information",
    "all budgets within", "within budget",
)

# Words that mean a line was crossed or something needs doing.
ACTION_TERMS: tuple[str, ...] = (
    "exceeded", "exceeds", "exceed", "over budget", "anomaly", "anomaly detected", "increase",
    "increased", "spike", "triggered", "crossed", "above", "overrun", "forecasted to",
    "threshold exceeded", "alertThresholdExceeded", "forecastThresholdExceeded", "warn", "alarm",
    "please", "can we", "can someone", "who", "need", "should",
)
