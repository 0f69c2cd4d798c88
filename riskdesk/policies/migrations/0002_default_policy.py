"""Install the engine's default policy as published version 1.

The YAML is frozen here (the canonical text of ``default_policy()`` when this migration was
written), so the migration installs the same version on every database, whatever later
changes the engine's shipped default.
"""

from django.db import migrations
from django.utils import timezone

DEFAULT_POLICY_YAML = """\
name: 默认客户风险策略
description: 红线一票否决，央企白名单，14 项指标评分卡，按等级授信。
grades:
- code: S
  label: 白名单客户
  label_en: Whitelisted
  review_months: 12
- code: A
  label: 优质客户
  label_en: Prime
  review_months: 12
- code: B
  label: 一般客户
  label_en: Standard
  review_months: 6
- code: C
  label: 关注客户
  label_en: Watch
  review_months: 3
- code: D
  label: 高风险客户
  label_en: High risk
  review_months: 1
admission:
- id: sanctioned
  when: sanctions_hit
  outcome: reject
  reason: 命中制裁名单
  reason_en: Sanctions hit
- id: dishonest
  when: dishonest_debtor_count > 0
  outcome: reject
  reason: 失信被执行人
  reason_en: Dishonest debtor
- id: serious_violation
  when: serious_violation_active
  outcome: reject
  reason: 严重违法失信
  reason_en: Serious violation
- id: deregistered
  when: status IN ('吊销', '注销', '撤销')
  outcome: reject
  reason: 吊销/注销/撤销
  reason_en: Licence revoked or deregistered
- id: winding_down
  when: status IN ('停业', '清算')
  outcome: review
  reason: 停业或清算中
  reason_en: Suspended or in liquidation
- id: status_unknown
  when: status IS NULL
  outcome: review
  reason: 缺少登记状态
  reason_en: Registration status unknown
- id: consumption_restriction
  when: consumption_restriction
  outcome: review
  reason: 限制高消费
  reason_en: Consumption restriction
- id: abnormal_operation
  when: abnormal_operation_active
  outcome: review
  reason: 经营异常
  reason_en: Abnormal operation listed
- id: young
  when: years_established < 1
  outcome: review
  reason: 成立不满一年
  reason_en: Established less than a year ago
- id: tax_grade_d
  when: tax_credit_grade = 'D'
  outcome: review
  reason: 纳税信用 D 级
  reason_en: Tax credit grade D
scorecard:
  indicators:
  - key: patents
    label: 专利数量
    label_en: Patents
    value: patent_count
    weight: 5
    bins:
    - below: 1
      points: 20
    - below: 5
      points: 50
    - below: 20
      points: 75
    - points: 100
    missing_points: 20
  - key: state_share
    label: 国有持股比例
    label_en: State shareholding
    value: state_share
    weight: 8
    bins:
    - below: 0.1
      points: 40
    - below: 0.5
      points: 60
    - below: 0.8
      points: 80
    - points: 100
    missing_points: 40
  - key: ownership
    label: 企业性质
    label_en: Enterprise type
    value: enterprise_type
    weight: 6
    categories:
      央企: 100
      国企: 90
      外资: 75
      合资: 70
      民企: 60
    other_points: 50
    missing_points: 40
  - key: negative_news
    label: 近90天负面舆情
    label_en: Negative news, 90 days
    value: negative_news_count_90d
    weight: 8
    bins:
    - below: 1
      points: 100
    - below: 3
      points: 60
    - below: 10
      points: 30
    - points: 0
    missing_points: 60
  - key: total_assets
    label: 资产总额
    label_en: Total assets
    value: total_assets
    weight: 8
    bins:
    - below: 10000000
      points: 20
    - below: 100000000
      points: 50
    - below: 1000000000
      points: 80
    - points: 100
    missing_points: 20
  - key: registered_capital
    label: 注册资本
    label_en: Registered capital
    value: registered_capital
    weight: 6
    bins:
    - below: 1000000
      points: 20
    - below: 10000000
      points: 50
    - below: 100000000
      points: 80
    - points: 100
    missing_points: 20
  - key: age
    label: 成立年限
    label_en: Years established
    value: years_established
    weight: 8
    bins:
    - below: 3
      points: 20
    - below: 5
      points: 50
    - below: 10
      points: 75
    - points: 100
    missing_points: 20
  - key: tax_grade
    label: 纳税信用等级
    label_en: Tax credit grade
    value: tax_credit_grade
    weight: 8
    categories:
      A: 100
      B: 80
      M: 60
      C: 30
      D: 0
    other_points: 40
    missing_points: 40
  - key: lawsuits
    label: 近12个月被告案件
    label_en: Lawsuits as defendant, 12 months
    value: lawsuit_defendant_count_12m
    weight: 8
    bins:
    - below: 1
      points: 100
    - below: 3
      points: 70
    - below: 10
      points: 40
    - points: 0
    missing_points: 60
  - key: penalties
    label: 近24个月行政处罚
    label_en: Administrative penalties, 24 months
    value: penalty_count_24m
    weight: 6
    bins:
    - below: 1
      points: 100
    - below: 2
      points: 70
    - below: 5
      points: 40
    - points: 0
    missing_points: 60
  - key: abnormal_operation
    label: 经营异常
    label_en: Abnormal operation
    value: abnormal_operation_active
    weight: 6
    categories:
      true: 0
      false: 100
    other_points: 0
    missing_points: 60
  - key: overdue
    label: 近12个月最长逾期天数
    label_en: Longest overdue, 12 months
    value: max_overdue_days_12m
    weight: 12
    bins:
    - below: 1
      points: 100
    - below: 15
      points: 80
    - below: 30
      points: 60
    - below: 90
      points: 30
    - points: 0
    missing_points: 70
  - key: dso
    label: 应收账款周转天数
    label_en: DSO
    value: dso_days
    weight: 8
    bins:
    - below: 30
      points: 100
    - below: 60
      points: 80
    - below: 90
      points: 50
    - below: 180
      points: 20
    - points: 0
    missing_points: 60
  - key: sales
    label: 近12个月销售额
    label_en: Sales, 12 months
    value: sales_12m
    weight: 8
    bins:
    - below: 100000
      points: 30
    - below: 1000000
      points: 60
    - below: 10000000
      points: 85
    - points: 100
    missing_points: 30
rating:
  rules:
  - id: dishonest
    when: dishonest_debtor_count > 0
    grade: D
    list: blacklist
    reason: 失信被执行人
    reason_en: Dishonest debtor
  - id: serious_violation
    when: serious_violation_active
    grade: D
    list: blacklist
    reason: 严重违法失信
    reason_en: Serious violation
  - id: deregistered
    when: status IN ('吊销', '注销', '撤销')
    grade: D
    list: blacklist
    reason: 吊销/注销/撤销
    reason_en: Revoked or deregistered
  - id: sanctioned
    when: sanctions_hit
    grade: D
    list: blacklist
    reason: 命中制裁名单
    reason_en: Sanctions hit
  - id: long_overdue
    when: max_overdue_days_12m > 90
    grade: D
    list: watchlist
    reason: 近12个月逾期超过90天
    reason_en: Overdue more than 90 days
  - id: central_soe
    when: enterprise_type = '央企' AND state_share > 0.8
    grade: S
    list: whitelist
    reason: 央企且国资持股>80%
    reason_en: Central SOE with state share above 80%
  - id: local_soe
    when: enterprise_type = '国企' AND state_share >= 0.5 AND score >= 70
    grade: A
    reason: 国企控股且评分不低于70
    reason_en: State-controlled with score of 70 or more
  bands:
  - min_score: 85
    grade: A
  - min_score: 70
    grade: B
  - min_score: 50
    grade: C
  - grade: D
credit:
  strategy: formula
  currency: CNY
  cases:
  - id: high_risk
    when: grade = 'D'
    limit: '0'
  - id: whitelist
    when: grade = 'S'
    limit: LEAST(annual_revenue * 0.10, 50000000)
  - id: prime
    when: grade = 'A'
    limit: LEAST(COALESCE(avg_monthly_sales_12m * 3, annual_revenue * 0.02), registered_capital * 0.2)
  - id: standard
    when: grade = 'B'
    limit: LEAST(COALESCE(avg_monthly_sales_12m * 2, annual_revenue * 0.01), registered_capital * 0.1)
  - id: watch
    when: grade = 'C'
    limit: LEAST(COALESCE(avg_monthly_sales_12m, annual_revenue * 0.005), registered_capital * 0.05)
  - id: otherwise
    limit: '0'
  max: 50000000
  round_to: 10000
  valid_months: 12
"""


def install_default_policy(apps, schema_editor):
    PolicyVersion = apps.get_model("policies", "PolicyVersion")
    if PolicyVersion.objects.exists():
        return
    PolicyVersion.objects.create(
        number=1,
        name="默认客户风险策略",
        status="published",
        yaml=DEFAULT_POLICY_YAML,
        notes="随系统安装的默认策略 / Default policy installed with riskdesk",
        published_at=timezone.now(),
    )


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]

    operations = [migrations.RunPython(install_default_policy, migrations.RunPython.noop)]
