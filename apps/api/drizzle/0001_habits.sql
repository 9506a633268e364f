CREATE TABLE "check_ins" (
	"habit_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"date" date NOT NULL,
	"status" text,
	"value" double precision,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "check_ins_pkey" PRIMARY KEY("habit_id","date"),
	CONSTRAINT "check_ins_status_check" CHECK ("check_ins"."status" is null or "check_ins"."status" in ('done', 'skipped', 'missed'))
);
--> statement-breakpoint
CREATE TABLE "habits" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"color" text NOT NULL,
	"icon" text,
	"type" text NOT NULL,
	"frequency_times" smallint NOT NULL,
	"frequency_days" smallint NOT NULL,
	"target_value" double precision,
	"target_unit" text,
	"target_direction" text,
	"start_date" date NOT NULL,
	"position" integer NOT NULL,
	"archived_at" timestamp with time zone,
	"revision" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "habits_type_check" CHECK ("habits"."type" in ('boolean', 'measurable')),
	CONSTRAINT "habits_frequency_check" CHECK ("habits"."frequency_times" >= 1 and "habits"."frequency_times" <= "habits"."frequency_days"),
	CONSTRAINT "habits_target_check" CHECK (("habits"."type" = 'boolean' and "habits"."target_value" is null) or ("habits"."type" = 'measurable' and "habits"."target_value" is not null and "habits"."target_direction" is not null and "habits"."frequency_times" = 1))
);
--> statement-breakpoint
ALTER TABLE "check_ins" ADD CONSTRAINT "check_ins_habit_id_habits_id_fk" FOREIGN KEY ("habit_id") REFERENCES "public"."habits"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "check_ins" ADD CONSTRAINT "check_ins_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "habits" ADD CONSTRAINT "habits_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "check_ins_user_idx" ON "check_ins" USING btree ("user_id","habit_id","date");--> statement-breakpoint
CREATE INDEX "habits_user_position_idx" ON "habits" USING btree ("user_id","position","id");