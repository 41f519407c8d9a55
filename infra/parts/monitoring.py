"""The operators' dashboard and alarms."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

NAMESPACE = "Parley"
PERIOD = Duration.minutes(5)


def search(metric_name: str, statistic: str = "Sum") -> str:
    """Every series of a Parley metric, whatever dimensions Powertools gave it."""
    query = f'Namespace="{NAMESPACE}" MetricName="{metric_name}"'
    return f"SEARCH('{query}', '{statistic}', 300)"


def total(metric_name: str, label: str, statistic: str = "Sum") -> cw.MathExpression:
    return cw.MathExpression(
        expression=f"SUM({search(metric_name, statistic)})", label=label, period=PERIOD
    )


def by_dimension(metric_name: str, label: str) -> cw.MathExpression:
    """One line per series: per rule, per reason, per stage."""
    return cw.MathExpression(expression=search(metric_name), label=label, period=PERIOD)


def percent(part: cw.IMetric, whole: cw.IMetric, label: str) -> cw.MathExpression:
    """part as a percentage of whole; 0 when nothing happened."""
    return cw.MathExpression(
        expression="100 * part / MAX([whole, 1])",
        using_metrics={"part": part, "whole": whole},
        label=label,
        period=PERIOD,
    )


class Monitoring(Construct):
    """One SNS topic for every alarm, one dashboard; other constructs add their own rows."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        functions: dict[str, lambda_.Function],
        dead_letter_queues: dict[str, sqs.Queue],
        alarm_email: str | None,
        api: apigw.RestApi | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Alarms", display_name="Parley alarms", enforce_ssl=True)
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        self.action = cw_actions.SnsAction(self.topic)
        self.alarms: list[cw.Alarm] = []
        self._stage_alarms(functions, dead_letter_queues)
        ses_bounce, ses_complaint = self._ses_alarms()
        self.dashboard = cw.Dashboard(self, "Dashboard", dashboard_name=f"{prefix}-operations")
        self._message_rows()
        self._health_row(list(functions.values()), dead_letter_queues, ses_bounce, ses_complaint)
        if api is not None:
            self._api(api)

    def alarm(
        self,
        name: str,
        metric: cw.IMetric,
        threshold: float,
        description: str,
        scope: Construct | None = None,
    ) -> None:
        """An alarm above `threshold` for one 5-minute period, sent to the topic; `scope` is the
        construct that owns the alarm (its own concern), the monitoring construct by default."""
        created = cw.Alarm(
            scope or self,
            name,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        created.add_alarm_action(self.action)
        self.alarms.append(created)

    def _stage_alarms(
        self, functions: dict[str, lambda_.Function], dead_letter_queues: dict[str, sqs.Queue]
    ) -> None:
        """Anything parked in a dead-letter queue; more than 1% failed invocations."""
        for stage, queue in dead_letter_queues.items():
            self.alarm(
                f"{stage.title()}DeadLetters",
                queue.metric_approximate_number_of_messages_visible(
                    period=PERIOD, statistic="Maximum"
                ),
                0,
                f"Messages are parked in the {stage} dead-letter queue: see `parley reconcile`",
            )
        for name, function in functions.items():
            rate = percent(
                function.metric_errors(period=PERIOD),
                function.metric_invocations(period=PERIOD),
                f"{name} error %",
            )
            self.alarm(
                f"{name.title()}ErrorRate", rate, 1, f"More than 1% of {name} invocations fail"
            )

    def _ses_alarms(self) -> tuple[cw.Metric, cw.Metric]:
        """The sending reputation SES reviews accounts by."""
        bounce, complaint = (
            cw.Metric(
                namespace="AWS/SES",
                metric_name=f"Reputation.{name}",
                statistic="Maximum",
                period=PERIOD,
            )
            for name in ("BounceRate", "ComplaintRate")
        )
        self.alarm(
            "SesBounceRate",
            bounce,
            0.05,
            "SES bounce rate above 5%: SES reviews accounts at this level",
        )
        self.alarm(
            "SesComplaintRate",
            complaint,
            0.001,
            "SES complaint rate above 0.1%: SES reviews accounts at this level",
        )
        return bounce, complaint

    def _message_rows(self) -> None:
        """What happens to messages: outcomes, rules, reasons, response times, reminders."""
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Messages",
                width=12,
                left=[
                    total("MessagesReceived", "received"),
                    total("MessagesDelivered", "delivered"),
                    total("MessagesSanitized", "sanitized"),
                    total("MessagesBlocked", "blocked"),
                    total("MessagesRejected", "rejected"),
                    total("MessagesDeadLettered", "dead-lettered"),
                ],
            ),
            cw.GraphWidget(
                title="Blocked and changed, by rule",
                width=12,
                left=[by_dimension("PolicyViolations", "rule")],
            ),
        )
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Rejected, by reason",
                width=12,
                left=[by_dimension("MessagesRejected", "reason")],
            ),
            cw.GraphWidget(
                title="Response time (s) and late responses",
                width=12,
                left=[total("ResponseTime", "mean response time", "Average")],
                right=[total("LateResponses", "late responses")],
            ),
        )
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Reminders sent, by stage",
                width=12,
                left=[by_dimension("RemindersSent", "stage")],
            ),
        )

    def _health_row(
        self,
        fn: list[lambda_.Function],
        dead_letter_queues: dict[str, sqs.Queue],
        ses_bounce: cw.Metric,
        ses_complaint: cw.Metric,
    ) -> None:
        """The machinery: latency, dead letters, errors and throttles, SES reputation."""
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Stage latency (ms, p90)",
                width=6,
                left=[f.metric_duration(period=PERIOD, statistic="p90") for f in fn],
            ),
            cw.GraphWidget(
                title="Dead-letter queue depth",
                width=6,
                left=[
                    q.metric_approximate_number_of_messages_visible(period=PERIOD, label=stage)
                    for stage, q in dead_letter_queues.items()
                ],
            ),
            cw.GraphWidget(
                title="Lambda errors and throttles",
                width=6,
                left=[f.metric_errors(period=PERIOD) for f in fn],
                right=[f.metric_throttles(period=PERIOD) for f in fn],
            ),
            cw.GraphWidget(
                title="SES bounce and complaint rate",
                width=6,
                left=[ses_bounce],
                right=[ses_complaint],
            ),
        )

    def _api(self, api: apigw.RestApi) -> None:
        """The message center: requests, client and server errors, latency; 5xx alarms."""
        server_errors = percent(
            api.metric_server_error(period=PERIOD), api.metric_count(period=PERIOD), "API 5xx %"
        )
        self.alarm("ApiServerErrors", server_errors, 1, "More than 1% of API requests fail (5xx)")
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Message center API: requests, 4xx, 5xx",
                width=12,
                left=[
                    api.metric_count(period=PERIOD, label="requests"),
                    api.metric_client_error(period=PERIOD, label="4xx"),
                    api.metric_server_error(period=PERIOD, label="5xx"),
                ],
            ),
            cw.GraphWidget(
                title="Message center API latency (ms, p90)",
                width=12,
                left=[api.metric_latency(period=PERIOD, statistic="p90", label="p90")],
            ),
        )
