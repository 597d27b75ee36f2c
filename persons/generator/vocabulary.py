"""The generator's vocabulary: names by generation and sex, places, phone prefixes, household sizes."""




# -- names, places, numbers ------------------------------------------------------------------------------

# Surnames weighted roughly as in Hunan (刘, 李, 曾, 彭, 谭 more common than nationally).
SURNAMES = (
    "刘70 李65 王50 张45 陈45 周30 黄25 杨25 罗25 彭22 曾22 肖20 谭20 吴20 胡20 唐20 邓18 贺15 邹15 "
    "赵15 谢14 袁12 欧阳2 龚10 蒋10 孙10 朱10 何10 徐9 郭9 马8 高8 林8 梁7 宋7 许7 韩6 冯6 曹6 田6 "
    "董5 潘5 余5 程5 颜8 聂6 康5 廖7 段5 文6 钟5 雷5 龙6 向6 易5 尹5 姚4 夏4 方4 陶4 卢4 戴4 邱4 "
    "熊4 汤4 范4 石4 左3 伍3 苏3 魏3 丁3 沈3 任3 毛3 侯3 万3 严3 付3 江3 贾2 金2 白2 孟2 秦2 崔2 "
    "姜2 史2 覃2 莫2 武2 司马1 诸葛1"
)
# Given names by generation (born before 1965, 1965–1989, from 1990) and sex: (share of one-character
# names, one-character names, first characters, second characters) — two-character names combine them.
GIVEN = {
    ("M", 0): (0.25, "明 强 军 平 华 林 斌 刚 清 松 荣 贵 富 发 生 忠 良",
               "建 国 志 德 春 桂 和 新 振 长 光 卫 福 树 玉 跃 金 海 永 先 正 安 世 家 仁",
               "国 强 明 华 生 林 平 民 春 东 庆 军 山 清 红 荣 成 才 发 富 贵 忠 良 友"),
    ("F", 0): (0.2, "英 兰 珍 芳 梅 华 秀 娥 莲 琴 霞 凤",
               "秀 桂 玉 淑 凤 冬 翠 金 素 菊 春 爱 巧 月 兰 美 腊 香 银",
               "英 兰 珍 梅 花 凤 芝 娥 云 华 莲 琴 霞 香 珠 秀 芳"),
    ("M", 1): (0.35, "伟 强 军 勇 杰 涛 明 超 辉 华 平 刚 斌 波 鹏 磊 峰 林 东 亮 飞 健",
               "建 志 海 晓 文 国 小 俊 永 红 卫 立 伟 德 湘 宏 振 剑 双 子 洪 超 新 光",
               "军 平 东 华 勇 刚 辉 明 强 波 斌 峰 杰 涛 林 亮 飞 龙 丰 远 伟 宇 武 雄"),
    ("F", 1): (0.35, "芳 娟 敏 静 丽 燕 艳 玲 霞 红 梅 英 兰 琴 萍 婷 娜",
               "海 晓 丽 秀 春 小 红 玉 雪 慧 艳 湘 美 金 桂 燕 文",
               "燕 红 娟 梅 敏 丽 玲 华 霞 芳 琴 萍 静 英 君 莉 艳 洁"),
    ("M", 2): (0.2, "浩 宇 俊 杰 鑫 磊 鹏 帅 超 睿 轩 昊 然 航 博 凯",
               "子 浩 宇 梓 俊 博 皓 铭 一 天 思 明 晨 嘉 泽 睿 家 志 佳 文 奕 若",
               "轩 然 航 豪 熙 涵 文 鸣 佑 远 哲 阳 宇 墨 睿 辰 杰 凯 诚 泽 晨"),
    ("F", 2): (0.2, "婷 倩 颖 雪 欣 怡 琪 悦 佳 萱 瑶 彤",
               "梓 欣 雨 诗 可 一 思 梦 紫 语 佳 若 心 晓 子 依 婉 雅 静 艺",
               "涵 怡 桐 琪 馨 诺 瑶 嫣 欣 曦 雯 雨 萱 清 彤 妍 菲 悦 然"),
}
FOREIGN_NAMES = (["KIM", "PARK", "LEE", "SMITH", "JOHNSON", "NGUYEN", "TRAN", "SATO", "TANAKA", "GARCIA",
                  "MULLER", "ROSSI", "IVANOV", "SILVA", "KHAN"],
                 ["MINJUN", "JIYOON", "SEOYEON", "JOHN", "MICHAEL", "SARAH", "EMMA", "VAN AN", "THI MAI",
                  "HARUTO", "YUI", "MARIA", "JUAN", "ANNA", "LUCA", "OLGA", "AHMED"])
FOREIGN_PASSPORTS = ("M{:08d}", "{:09d}", "TR{:07d}", "C{:07d}", "YA{:07d}")
HUBEI_CITIES = "孝感 黄冈 荆州 宜昌 襄阳 十堰 咸宁 随州 荆门 鄂州 黄石 恩施 仙桃 天门".split()
COUNTRIES = ("美国 英国 意大利 西班牙 法国 德国 日本 韩国 澳大利亚 加拿大 俄罗斯 新加坡 马来西亚 菲律宾 阿联酋 "
             "沙特阿拉伯 尼日利亚 安哥拉").split()
CONTACT_KINDS = ("同事", "邻居", "同乘车辆", "共同就餐", "同一棋牌室", "亲属聚会")
MOBILE_PREFIXES = ([str(p) for p in range(130, 140)] + ["145", "147", "150", "151", "152", "153", "155", "156",
                                                        "157", "158", "159", "166", "173", "175", "176", "177",
                                                        "178", "191", "198", "199"]
                   + [str(p) for p in range(180, 190)])
HOUSEHOLD_SIZES = ((1, 2, 3, 4, 5, 6), (15, 28, 29, 17, 8, 3))  # size, weight
