CREATE TABLE "digest_preferences" (
	"user_id" text PRIMARY KEY NOT NULL,
	"minute_of_day" smallint NOT NULL,
	"timezone" text NOT NULL,
	"day_start_hour" smallint NOT NULL,
	"next_send_at" timestamp with time zone NOT NULL,
	"next_send_day" date NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "digest_preferences_minute_check" CHECK ("digest_preferences"."minute_of_day" between 0 and 1439)
);
--> statement-breakpoint
CREATE TABLE "habit_reminders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"habit_id" uuid NOT NULL,
	"minute_of_day" smallint NOT NULL,
	"weekday_mask" smallint NOT NULL,
	"only_if_not_done" boolean NOT NULL,
	"push_channel" boolean NOT NULL,
	"email_channel" boolean NOT NULL,
	"timezone" text NOT NULL,
	"day_start_hour" smallint NOT NULL,
	"next_fire_at" timestamp with time zone NOT NULL,
	"next_fire_day" date NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "habit_reminders_minute_check" CHECK ("habit_reminders"."minute_of_day" between 0 and 1439),
	CONSTRAINT "habit_reminders_weekdays_check" CHECK ("habit_reminders"."weekday_mask" between 1 and 127)
);
--> statement-breakpoint
CREATE TABLE "one_tap_uses" (
	"token_id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"habit_id" uuid NOT NULL,
	"day" date NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "push_subscriptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"endpoint" text NOT NULL,
	"p256dh" text NOT NULL,
	"auth" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reminder_deliveries" (
	"habit_id" uuid NOT NULL,
	"day" date NOT NULL,
	"minute_of_day" smallint NOT NULL,
	"user_id" text NOT NULL,
	"fire_at" timestamp with time zone NOT NULL,
	"only_if_not_done" boolean NOT NULL,
	"push_channel" boolean NOT NULL,
	"email_channel" boolean NOT NULL,
	"state" text NOT NULL,
	"outcome" text,
	"lease_until" timestamp with time zone NOT NULL,
	"attempts" smallint DEFAULT 0 NOT NULL,
	"push_done" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "reminder_deliveries_habit_id_day_minute_of_day_pk" PRIMARY KEY("habit_id","day","minute_of_day")
);
--> statement-breakpoint
ALTER TABLE "digest_preferences" ADD CONSTRAINT "digest_preferences_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "habit_reminders" ADD CONSTRAINT "habit_reminders_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "one_tap_uses" ADD CONSTRAINT "one_tap_uses_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "push_subscriptions" ADD CONSTRAINT "push_subscriptions_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_deliveries" ADD CONSTRAINT "reminder_deliveries_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "digest_preferences_next_send_idx" ON "digest_preferences" USING btree ("next_send_at");--> statement-breakpoint
CREATE INDEX "habit_reminders_next_fire_idx" ON "habit_reminders" USING btree ("next_fire_at");--> statement-breakpoint
CREATE INDEX "habit_reminders_user_habit_idx" ON "habit_reminders" USING btree ("user_id","habit_id");--> statement-breakpoint
CREATE UNIQUE INDEX "habit_reminders_habit_time_key" ON "habit_reminders" USING btree ("habit_id","minute_of_day");--> statement-breakpoint
CREATE INDEX "one_tap_uses_expires_idx" ON "one_tap_uses" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "one_tap_uses_user_idx" ON "one_tap_uses" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "push_subscriptions_endpoint_key" ON "push_subscriptions" USING btree ("endpoint");--> statement-breakpoint
CREATE INDEX "push_subscriptions_user_idx" ON "push_subscriptions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "reminder_deliveries_pending_idx" ON "reminder_deliveries" USING btree ("lease_until") WHERE "reminder_deliveries"."state" = 'pending';--> statement-breakpoint
CREATE INDEX "reminder_deliveries_user_idx" ON "reminder_deliveries" USING btree ("user_id");