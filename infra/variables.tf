variable "kubeconfig" {
  description = "kubeconfig file of the cluster"
  type        = string
  default     = "~/.kube/config"
}

variable "kube_context" {
  description = "kubeconfig context; null = the current one"
  type        = string
  default     = null
}

variable "release_name" {
  type    = string
  default = "arena"
}

variable "namespace" {
  type    = string
  default = "arena"
}

variable "image_repository" {
  type    = string
  default = "arena"
}

variable "image_tag" {
  type    = string
  default = ""
}

variable "database_url" {
  description = "PostgreSQL URL (a managed database's endpoint)"
  type        = string
  sensitive   = true
}

variable "redis_url" {
  description = "Redis URL (a managed Redis endpoint)"
  type        = string
  default     = ""
  sensitive   = true
}

variable "nats_url" {
  type    = string
  default = "nats://nats:4222"
}

variable "events_broker" {
  type      = string
  default   = ""
  sensitive = true
}

variable "ingress_host" {
  type    = string
  default = ""
}

variable "service_monitor" {
  type    = bool
  default = false
}

variable "settings" {
  type    = map(string)
  default = {}
}
