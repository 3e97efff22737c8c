# Installs Arena's Helm chart into an existing cluster. PostgreSQL, Redis and NATS are not made
# here: give their endpoints (managed services or your own) as variables.
locals {
  chart_path = coalesce(var.chart_path, "${path.module}/../../../helm/arena")
  roles      = ["gateway", "auth", "sessions", "matchmaker", "host", "worker", "events"]
}

resource "helm_release" "arena" {
  name             = var.release_name
  namespace        = var.namespace
  create_namespace = true
  chart            = local.chart_path
  wait             = true
  timeout          = 600

  set {
    name  = "image.repository"
    value = var.image_repository
  }
  set {
    name  = "image.tag"
    value = var.image_tag
  }
  set {
    name  = "nats.url"
    value = var.nats_url
  }
  set {
    name  = "roles.gateway.service.type"
    value = var.gateway_service_type
  }
  set {
    name  = "ingress.enabled"
    value = var.ingress_host != ""
  }
  set {
    name  = "ingress.host"
    value = var.ingress_host
  }
  set {
    name  = "serviceMonitor.enabled"
    value = var.service_monitor
  }

  dynamic "set" {
    for_each = { for role in local.roles : role => lookup(var.replicas, role, 1) }
    content {
      name  = "roles.${set.key}.replicas"
      value = set.value
    }
  }

  dynamic "set" {
    for_each = var.settings
    content {
      name  = "settings.${replace(set.key, ".", "\\.")}"
      value = set.value
      type  = "string"
    }
  }

  set_sensitive {
    name  = "database.url"
    value = var.database_url
  }
  set_sensitive {
    name  = "redis.url"
    value = var.redis_url
  }
  set_sensitive {
    name  = "events.broker"
    value = var.events_broker
  }
  set_sensitive {
    name  = "auth.jwtKeys"
    value = var.jwt_keys
  }
  set_sensitive {
    name  = "auth.adminApiKey"
    value = var.admin_api_key
  }
}
