from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "ivmt.orders"
    label = "orders"
