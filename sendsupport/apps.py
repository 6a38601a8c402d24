from django.apps import AppConfig


class SendSupportConfig(AppConfig):
    name = "sendsupport"
    verbose_name = "SEND Support core"
