"""Built-in vocabularies that decide whether a message is about cloud cost at all.

They are not topics: they say nothing about who owns a message, only whether
the message is a FinOps matter ("a party budget is not a cloud budget") and
whether an automated notice reports something that crossed a line.
"""

from __future__ import annotations

CLOUD = "__cloud__"
WEAK_CLOUD = "__weak_cloud__"
MONEY = "__money__"
WEAK_MONEY = "__weak_money__"
INFO = "__info__"
ACTION = "__action__"
REQUEST = "__request__"
ANNOUNCE = "__announce__"
NEUTRAL = "__neutral__"
DEFECT = "__defect__"

CONTEXT_GROUPS = (CLOUD, WEAK_CLOUD, MONEY, WEAK_MONEY, INFO, ACTION, REQUEST, ANNOUNCE, NEUTRAL, DEFECT)

# Cloud and service names that say 'cloud' on their own.
CLOUD_TERMS: tuple[str, ...] = (
    "aws", "amazon web services", "azure", "gcp", "google cloud", "ec2", "s3", "rds", "ebs", "efs",
    "lambda", "fargate", "eks", "gke", "aks", "ecs", "k8s", "kubernetes", "vm", "vms",
    "virtual machine", "virtual machines", "vcpu", "vcpus", "gpu", "gpus", "AZ", "availability zone",
    "billing account", "snowflake", "databricks", "bigquery", "redshift", "datadog", "kubecost",
    "opencost", "vantage", "cloudzero", "infracost", "cloudhealth", "apptio", "finops", "saas",
    "terraform", "bucket", "buckets", "egress", "cloudwatch", "log groups", "cdn", "cloudfront",
    "guardduty", "security hub", "RI", "SP", "CUD", "EDP", "MACC", "PPA", "committed use",
    "trusted advisor", "compute optimizer", "cost optimization hub", "azure advisor", "subscription id",
    "resource group", "usage type", "confluent", "openai", "llm", "bedrock", "sagemaker", "nat gateway",
    "load balancer", "load balancers", "data transfer", "datacenter", "data center", "on-prem", "vpc",
    "balancer", "FOCUS", "splunk", "new relic", "elastic cloud", "mongodb atlas", "salesforce",
    "servicenow", "okta", "data warehouse", "balancers", "subnet", "elastic ip", "cloud provider",
    "node pool", "node pools", "nodepool", "gp2", "gp3", "ec2-other", "dynamodb", "elasticache",
    "opensearch", "kinesis", "msk", "emr", "athena", "dataproc", "dataflow", "gcs",
    "cloud storage", "cloud sql", "cloud run", "app engine", "azure sql", "cosmos db", "cosmosdb",
    "blob storage", "front door", "aurora", "ecr", "route 53", "api gateway", "step functions",
    "vpc endpoint", "transit gateway", "direct connect", "expressroute", "interconnect",
    "spot instance", "spot instances", "ec2 instance", "ec2 instances", "m365", "microsoft 365",
    "office 365", "google workspace", "adobe", "pagerduty", "warehouse", "warehouses",
    "tableau", "kafka", "hadoop", "spark", "fastly", "cloudflare", "akamai", "heroku", "vercel",
    "digitalocean", "oci", "hyperscaler", "hyperscalers", "cloud spend", "cloud costs", "cloud cost",
    "cloud bill", "cloud providers", "public cloud", "multi-cloud", "multicloud", "cloud account",
    "cloud accounts", "aws account", "gcp project", "azure subscription",
    "p4d", "p5", "g5", "a100", "h100", "tpu", "tpus", "anthropic", "gemini",
    "azure openai", "serverless", "cloud regions", "cloud region",
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3",
    "eu-central-1", "eu-north-1", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-northeast-1",
    "ap-south-1", "sa-east-1", "ca-central-1", "us-central1", "europe-west1", "europe-west4", "eastus",
    "westeurope", "east us", "west europe",
    # More provider services: a question about one is a cloud question.
    "mediaconvert", "elastic transcoder", "sqs", "sns", "aws glue", "glue jobs", "quicksight",
    "appsync", "cognito", "aws amplify", "lightsail", "memorydb", "documentdb", "neptune", "timestream", "keyspaces",
    "rekognition", "textract", "amazon transcribe", "kendra", "app runner", "elastic beanstalk",
    "cloud functions", "bigtable", "spanner", "firestore", "pub/sub", "pubsub", "memorystore",
    "filestore", "azure functions", "app service", "synapse", "data factory", "event hubs",
    "service bus", "log analytics", "application insights", "azure monitor", "azure storage",
    "cloud armor", "cloud nat", "persistent disk", "compute engine", "mongodb", "grafana cloud",
    "sumo logic", "github actions", "circleci", "auth0", "twilio", "sendgrid", "stripe fees",
    # Instance sizes ("c5.4xlarge", "n2-standard-8") name cloud machines.
    "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge",
    "48xlarge", "n1 standard", "n2 standard", "n2d standard", "e2 standard", "c2 standard",
    "c3 standard", "e2 medium", "n2 highmem", "n2 highcpu",
)

# Words that are cloud words only in company: 'instance of the class', 'the
# storage closet', 'deploy to prod', 'the cloud icon'. Alone they say nothing;
# with a cost word, a cloud name or a decisive term they count as cloud context.
WEAK_CLOUD_TERMS: tuple[str, ...] = (
    "cloud", "clouds", "instance", "instances", "node", "nodes", "account", "accounts", "storage",
    "volume", "volumes", "disk", "disks", "ci", "runner", "runners", "api", "migration", "platform",
    "infrastructure", "infra", "prod", "production", "staging", "sandbox", "database", "databases",
    "compute", "workload", "workloads", "cluster", "region", "regions", "tenant", "endpoint",
    "endpoints", "ip", "ips", "oracle", "github", "vertex", "pod", "pods", "namespace", "ns", "cpu",
    "marketplace", "subscription", "subscriptions", "jira", "atlassian", "sku", "snapshot", "snapshots",
)

MONEY_TERMS: tuple[str, ...] = (
    "cost", "costs", "costing", "spend", "spending", "spent", "invoice", "invoices", "dollars", "usd",
    "overage", "finops", "opex", "capex", "amortized", "unblended", "blended", "on-demand", "true-up",
    "license fee", "licence fee", "spend change", "cost change", "overrun", "overspend", "capitalize",
    "capitalise", "tco", "cogs", "unit economics", "chargeback", "showback", "kosten", "ausgaben",
    "rechnung", "coût", "coûts", "facture", "dépenses", "costo", "costos", "coste", "costes", "gasto",
    "gastos", "factura", "presupuesto", "cloud bill", "aws bill", "azure bill", "gcp bill", "our bill",
    "monthly bill", "bill is up", "bill went up", "bill up", "bill jumped", "bill doubled",
    "bill tripled", "bill increased", "bill so high", "bill higher", "spend is up", "spend went up",
    "costs went up", "cost us", "costs us", "costing us", "burning money", "save money", "saving money", "saves money", "wasting money", "waste",
    "wasted", "line item", "line items", "usage charges", "on-demand rates",
)

# Cost words with everyday senses: the team-lunch budget, savings on coffee,
# commit the code, the billing service. They count as cost context only with
# a cloud word or a decisive term.
WEAK_MONEY_TERMS: tuple[str, ...] = (
    "budget", "budgets", "savings", "save", "saving", "pay", "paying", "paid", "money", "commit",
    "commitment", "commitments", "cheap", "cheaper", "price", "pricing", "priced", "bill", "bills",
    "billing", "billed", "charge", "charges", "charged", "discount", "discounts", "credits", "fee",
    "fees", "expensive",
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

# Question and ask forms: a person wants something done or decided.
REQUEST_TERMS: tuple[str, ...] = (
    "who approves", "who owns", "who signs off", "who handles", "who decides", "who can", "who do",
    "who is", "who's", "who should", "whose", "can we", "could we", "should we", "shall we", "can i",
    "could i", "can you", "could you", "can someone", "could someone", "anyone", "any reason",
    "is there", "are we", "do we", "how do", "how much", "how many", "what's", "what is",
    "what does", "why is", "why are", "why do", "why did", "need", "needs", "please", "pls", "plz",
    "help", "ok to", "okay to", "safe to", "worth it", "wondering",
)

# Notices that something is being shipped: a deploy of the 'billing service'
# is not a billing question.
ANNOUNCE_TERMS: tuple[str, ...] = (
    "deploying", "rolling out", "roll out", "rollout", "canary", "rolling back", "roll back",
    "rollback", "hotfix", "release notes", "standup", "stand-up", "moved to",
)

# Collocations in which a cost or cloud word has its everyday sense. The
# matcher takes the longest phrase at each position, so these consume the
# word and it adds no context: 'price tag', 'spot on', 'tag me'.
NEUTRAL_TERMS: tuple[str, ...] = (
    "price tag", "spot on", "spot the difference", "spot check", "instance of", "class instance",
    "save the date", "save changes", "save the file", "commit the code", "commit message",
    "commit hash", "git commit", "commit it", "commit this", "commit your", "tag me", "tag you",
    "tag him", "tag her", "tag them", "tagged me", "cloud icon", "word cloud",
    "billing service", "billing services", "billing api", "billing team", "billing page",
    "billing system", "billing app", "billing module", "billing microservice", "billing flow",
    "billing ui", "billing frontend", "billing backend", "billing db", "billing squad", "billing repo",
    "cost of not", "storage closet", "storage room", "storage unit", "expense report", "expense reports",
    "team lunch", "lunch budget", "party budget", "travel budget", "coffee budget", "on call",
    "on-call", "instance variable", "node modules", "nodejs", "data mining", "text mining",
    "process mining", "memory leak", "memory leaks", "leaked memory",
)

# Bug reports and feature work on a product's own screens: "the invoice PDF
# template has a typo", "the Payment button is misaligned". Without a cloud
# name or a stated amount such a message is about the product, not its cost.
DEFECT_TERMS: tuple[str, ...] = (
    "typo", "typos", "misaligned", "button", "buttons", "footer", "css", "font", "fonts", "tooltip",
    "dropdown", "modal", "layout", "filing a bug", "file a bug", "filed a bug", "bug report",
    "ui bug", "oom", "ooming", "oomkilled", "crashloop", "crashloopbackoff", "stack trace",
    "null pointer", "404", "login page", "checkout page", "landing page", "safari", "firefox",
    "pdf template", "email template", "template", "screenshot", "dark mode", "flaky test",
    "flaky tests", "unit test", "unit tests", "feature flag", "pixel", "padding", "favicon",
)
