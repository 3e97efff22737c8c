# Arena on an existing Kubernetes cluster (make bootstrap): the chart in helm/arena through the
# module in modules/arena. Copy terraform.tfvars.example to terraform.tfvars and fill it in.
module "arena" {
  source = "./modules/arena"

  release_name     = var.release_name
  namespace        = var.namespace
  image_repository = var.image_repository
  image_tag        = var.image_tag
  database_url     = var.database_url
  redis_url        = var.redis_url
  nats_url         = var.nats_url
  events_broker    = var.events_broker
  ingress_host     = var.ingress_host
  service_monitor  = var.service_monitor
  settings         = var.settings
}

output "release" {
  value = module.arena.release
}

output "gateway_service" {
  value = module.arena.gateway_service
}
