variable "release_name" {
  description = "Helm release name"
  type        = string
  default     = "arena"
}

variable "namespace" {
  description = "Kubernetes namespace to install into (made when missing)"
  type        = string
  default     = "arena"
}

variable "chart_path" {
  description = "Path of the Arena Helm chart (this repository's helm/arena by default)"
  type        = string
  default     = null
}

variable "image_repository" {
  description = "Arena's container image (built from the repository's Dockerfile)"
  type        = string
  default     = "arena"
}

variable "image_tag" {
  description = "Image tag; empty = the chart's appVersion"
  type        = string
  default     = ""
}

variable "database_url" {
  description = "PostgreSQL URL, e.g. a managed database's endpoint: postgres://user:pass@host:5432/arena?sslmode=require"
  type        = string
  sensitive   = true
}

variable "redis_url" {
  description = "Redis URL (a managed Redis endpoint); empty = no shared state (one sessions process)"
  type        = string
  default     = ""
  sensitive   = true
}

variable "nats_url" {
  description = "NATS URL of the bus; its server must run JetStream"
  type        = string
  default     = "nats://nats:4222"
}

variable "events_broker" {
  description = "events.broker: empty = the NATS of the bus, or amqp://user:pass@host:5672 for RabbitMQ"
  type        = string
  default     = ""
  sensitive   = true
}

variable "jwt_keys" {
  description = "JWT key ring kid:secret,... (secrets base64url, >= 32 bytes); empty = the chart makes one and keeps it"
  type        = string
  default     = ""
  sensitive   = true
}

variable "admin_api_key" {
  description = "Key for the admin routes (/v1/admin/*); empty = they refuse every request"
  type        = string
  default     = ""
  sensitive   = true
}

variable "replicas" {
  description = "Replicas per role (roles with autoscaling take it as their minimum)"
  type        = map(number)
  default = {
    gateway    = 2
    auth       = 2
    sessions   = 2
    matchmaker = 2
    host       = 2
    worker     = 2
    events     = 1
  }
}

variable "gateway_service_type" {
  description = "Service type of the gateways' public WebSocket endpoint"
  type        = string
  default     = "LoadBalancer"
}

variable "ingress_host" {
  description = "Host name for an Ingress routing the REST API, /graphql and /v1/ws; empty = no Ingress"
  type        = string
  default     = ""
}

variable "service_monitor" {
  description = "Make a prometheus-operator ServiceMonitor for every role"
  type        = bool
  default     = false
}

variable "settings" {
  description = "Arena settings for every role by dotted name (see .env.example), e.g. { \"gateway.resume_window\" = \"45s\" }"
  type        = map(string)
  default     = {}
}
