"""The reminder schedule: EventBridge Scheduler invokes the sweep at a fixed rate."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from constructs import Construct


class ReminderSchedule(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: lambda_.IFunction,
        every_minutes: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.schedule = scheduler.Schedule(
            self,
            "Schedule",
            description="Parley: response-deadline reminder sweep",
            schedule=scheduler.ScheduleExpression.rate(Duration.minutes(every_minutes)),
            target=targets.LambdaInvoke(
                function,
                # The sweep runs "as of" the scheduled instant, so a retry repeats that instant.
                input=scheduler.ScheduleTargetInput.from_object(
                    {"scheduledTime": scheduler.ContextAttribute.scheduled_time}
                ),
                retry_attempts=2,
            ),
        )
