CREATE TABLE "insight_generations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"stats_hash" text NOT NULL,
	"billed" boolean NOT NULL,
	"status" text NOT NULL,
	"insight_id" uuid,
	"created_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "insight_generations_status_check" CHECK ("insight_generations"."status" in ('pending', 'succeeded', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "insights" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"title" text NOT NULL,
	"summary" text NOT NULL,
	"observations" jsonb NOT NULL,
	"suggestions" jsonb NOT NULL,
	"model" text NOT NULL,
	"source" text NOT NULL,
	"input_tokens" integer,
	"output_tokens" integer,
	"total_tokens" integer,
	"latency_ms" integer NOT NULL,
	"stats_hash" text NOT NULL,
	"statistics" jsonb NOT NULL,
	"stats_today" text NOT NULL,
	"habit_count" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "insights_source_check" CHECK ("insights"."source" in ('server', 'own_key'))
);
--> statement-breakpoint
CREATE TABLE "user_ai_keys" (
	"user_id" text PRIMARY KEY NOT NULL,
	"encryption_key_id" text NOT NULL,
	"ciphertext" text NOT NULL,
	"last4" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "insight_generations" ADD CONSTRAINT "insight_generations_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "insight_generations" ADD CONSTRAINT "insight_generations_insight_id_insights_id_fk" FOREIGN KEY ("insight_id") REFERENCES "public"."insights"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "insights" ADD CONSTRAINT "insights_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_ai_keys" ADD CONSTRAINT "user_ai_keys_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "insight_generations_user_created_idx" ON "insight_generations" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "insights_user_created_idx" ON "insights" USING btree ("user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "insights_user_hash_idx" ON "insights" USING btree ("user_id","stats_hash","created_at");