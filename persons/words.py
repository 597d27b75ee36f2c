"""The words sheets and county templates use for categories and management statuses, beside their names: what an
import reads in 管控措施 and what a template's column titles say (reports.layouts.proposing, through the people
fact source's `value_words`)."""

# By status code (the names themselves are looked up too).
STATUS_WORDS = {
    "home_quarantine": ["居家观察", "居家医学观察", "居家隔离观察", "居家隔离医学观察", "居家集中隔离", "在家隔离", "居家"],
    "central_quarantine": ["集中观察", "集中医学观察", "集中隔离观察", "集中隔离医学观察", "隔离点隔离", "集中"],
    "home_monitoring": ["健康监测", "居家监测", "居家健康观察", "自我健康监测", "健康观察", "社区健康监测"],
    "hospital": ["住院", "入院治疗", "医院治疗", "住院隔离治疗", "定点医院治疗", "收治入院", "住院观察", "送医", "已送医"],
    "released": ["解除", "已解除", "解除隔离", "解除观察", "解除管控", "解除医学观察", "已解除隔离", "已解除管理"],
}
# Words naming every status a person is managed under (in management, 在管): not a release.
MANAGED_WORDS = ["正在管理", "在管", "管理中", "正在隔离", "在隔离", "落实管控"]

# By category code, beside its name (涉鄂人员) and its name without 人员/病例 (涉鄂).
CATEGORY_WORDS = {
    "hubei": ["湖北", "来自湖北", "湖北来", "鄂籍"],
    "wuhan": ["武汉", "来自武汉", "武汉来", "汉籍"],
    "abroad": ["境外", "在境外", "国外"],
    "planning_return": ["拟返", "拟返回", "准备返回"],
    "overseas_returnee": ["境外返回", "入境", "境外回", "国外返回", "境外来"],
    "close_contact": ["密接", "密切接触"],
    "secondary_contact": ["次密接", "次密切接触", "密接的密接"],
    "confirmed": ["确诊", "新冠肺炎确诊"],
    "suspected": ["疑似"],
    "asymptomatic": ["无症状"],
    "fever": ["发热", "发烧"],
}
# Words naming several categories at once.
CATEGORY_GROUPS = {"涉鄂涉汉": ["hubei", "wuhan"], "湖北武汉": ["hubei", "wuhan"], "鄂汉": ["hubei", "wuhan"]}
