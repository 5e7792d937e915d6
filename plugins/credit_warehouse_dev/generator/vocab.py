"""Word lists the synthetic records are made of (names, shops, roads, industries).

None of these words may contain a legally excluded matter (信访, 拆迁, 闯红灯 ...): the generator
puts those in on purpose, as dirt, and a clean row must stay clean.
"""

from __future__ import annotations

# the hundred most common surnames, most frequent first (weights fall off with rank)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_CHARS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强志明海燕红梅玉兰文博子涵浩然"
    "欣怡梓萱宇轩俊杰思远雨桐晨曦佳琪晓东立新春生永刚庆华国庆卫东振华学军德胜"
)

BRANDS = tuple(
    (
        "泉城 鲁源 华信 金桥 恒泰 瑞丰 宏达 鑫盛 齐鲁 正源 "
        "海川 新元 泰和 东岳 运河 孔孟 圣源 汇通 联创 博远"
        "鼎盛 永安 诚达 舜耕 明湖 趵突 千佛 华鲁 润泽 天成 "
        "中科 三和 德信 凯瑞 蓝海 盛世 宏图 嘉禾 兴业 万通"
    ).split()
)
INDUSTRIES = (
    "商贸", "建筑工程", "物流", "食品", "餐饮管理", "科技", "机械制造", "化工", "医药", "房地产开发", "装饰工程",
    "电子商务", "农业开发", "环保科技", "汽车销售", "纺织", "建材", "信息技术", "能源", "供应链管理",
)
COMPANY_FORMS = ("有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司")
SHOPS = tuple(
    (
        "便利店 超市 餐馆 五金店 烟酒店 理发店 水果店 服装店 小吃部 修理部 "
        "日用品店 烧烤店"
    ).split()
)
PRODUCE = ("蔬菜", "果品", "畜牧", "粮食", "苗木", "食用菌", "农机", "中药材")
VILLAGES = ("王庄", "李家村", "张庄", "后屯", "东关", "西营", "南店", "北洼", "刘集", "马坊")
ROADS = tuple(
    (
        "经十路 泉城路 解放路 历山路 舜耕路 工业南路 花园路 和平路 共青团路 二环东路 "
        "太白楼路 建设路 古槐路 红星路 洸河路 琵琶山路 车站西路 金宇路 开源路 北湖路"
    ).split()
)
INSTITUTIONS = ("疾病预防控制中心", "人民医院", "第一中学", "实验小学", "图书馆", "社会福利院", "档案馆", "妇幼保健院")
AGENCIES = ("市场监督管理局", "自然资源局", "财政局", "教育局", "民政局", "水务局")
ASSOCIATIONS = ("餐饮行业协会", "物流协会", "建筑业协会", "个体劳动者协会", "软件行业协会")
PRIVATE_NONPROFITS = ("职业培训学校", "养老服务中心", "社会工作服务中心", "康复中心")
