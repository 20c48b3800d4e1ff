/*
 * A small price table as a snapshot (the format of `infrac prices`), for
 * the unit tests: every family (CX, CPX, CAX Arm, CCX dedicated), two
 * locations (ccx23 only in fsn1), a primary IPv4, backups, images and
 * volumes.  Fixture figures, of no date that matters.
 */
#ifndef INFRAC_TEST_PRICES_FIXTURE_H
#define INFRAC_TEST_PRICES_FIXTURE_H

#define FIXTURE_LOC(eur) \
	"{\"location\": \"fsn1\", \"eur_month\": " eur ", \"traffic_tb\": 20, \"eur_tb_over\": 1, " \
	"\"orderable\": true}, {\"location\": \"nbg1\", \"eur_month\": " eur ", \"traffic_tb\": 20, " \
	"\"eur_tb_over\": 1, \"orderable\": true}"
#define FIXTURE_TYPE(name, cpu, ram, disk, arch, kind, eur) \
	"{\"name\": \"" name "\", \"vcpu\": " cpu ", \"ram_gb\": " ram ", \"disk_gb\": " disk \
	", \"architecture\": \"" arch "\", \"cpu\": \"" kind "\", \"deprecated\": false, " \
	"\"locations\": [" FIXTURE_LOC(eur) "]}"

static const char fixture_prices[] =
	"{\"format\": 2, \"source\": \"Hetzner Cloud API\", "
	"\"date\": \"2026-07-03\", \"currency\": \"EUR\", \"backup_percent\": 20, "
	"\"image_eur_gb_month\": 0.0143, \"volume_eur_gb_month\": 0.044, "
	"\"primary_ipv4_eur_month\": {\"fsn1\": 0.5, \"nbg1\": 0.5}, \"server_types\": ["
	FIXTURE_TYPE("cx23", "2", "4", "40", "amd64", "shared", "2.99") ", "
	FIXTURE_TYPE("cx33", "4", "8", "80", "amd64", "shared", "4.99") ", "
	FIXTURE_TYPE("cx43", "8", "16", "160", "amd64", "shared", "8.99") ", "
	FIXTURE_TYPE("cpx22", "2", "4", "80", "amd64", "shared", "5.99") ", "
	FIXTURE_TYPE("cpx32", "4", "8", "160", "amd64", "shared", "10.49") ", "
	FIXTURE_TYPE("cax11", "2", "4", "40", "arm64", "shared", "3.79") ", "
	FIXTURE_TYPE("cax21", "4", "8", "80", "arm64", "shared", "6.49") ", "
	FIXTURE_TYPE("ccx13", "2", "8", "80", "amd64", "dedicated", "12.49") ", "
	"{\"name\": \"ccx23\", \"vcpu\": 4, \"ram_gb\": 16, \"disk_gb\": 160, "
	"\"architecture\": \"amd64\", \"cpu\": \"dedicated\", \"deprecated\": false, "
	"\"locations\": [{\"location\": \"fsn1\", \"eur_month\": 24.49, \"traffic_tb\": 20, "
	"\"eur_tb_over\": 1, \"orderable\": true}]}"
	"]}";

#endif
